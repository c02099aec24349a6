import { createEntityLoader } from '@msd/service-kit';
import type { InventoryDatabase } from './data/database.ts';
import { findStockLevels } from './data/stockLevels.ts';

export function createLoaders(db: InventoryDatabase) {
  return {
    stockByProductId: createEntityLoader(
      (ids) => findStockLevels(db, ids),
      (stock) => stock.productId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
