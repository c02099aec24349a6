import type { InventoryDatabase } from './database.ts';
import type { StockLevel } from './generated/client.ts';

export type StockLevelRecord = StockLevel;

export function findStockLevels(
  db: InventoryDatabase,
  productIds: readonly string[],
): Promise<StockLevelRecord[]> {
  return db.stockLevel.findMany({ where: { productId: { in: [...productIds] } } });
}
