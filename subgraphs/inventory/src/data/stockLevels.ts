import { appendToOutbox, type EffectOutcome, type EventEnvelope } from '@msd/events';
import type { InventoryDatabase } from './database.ts';
import type { Prisma, StockLevel } from './generated/client.ts';

export type StockLevelRecord = StockLevel;

/** `stock_levels.quantity` is an int4: no restock may take it past this. */
export const MAX_STOCK = 2_147_483_647;

/** The restock would take the stock past `MAX_STOCK`; nothing was changed. */
export class StockLimitExceeded extends Error {}

// One statement text for any number of ids (`= ANY($1)`, not a fresh `IN ($1..$n)` per batch size),
// so PostgreSQL can keep its plan, and only the columns the API reads.
export function findStockLevels(
  db: InventoryDatabase,
  productIds: readonly string[],
): Promise<Pick<StockLevelRecord, 'productId' | 'quantity'>[]> {
  return db.$queryRaw`
    SELECT product_id AS "productId", quantity
    FROM stock_levels WHERE product_id = ANY(${[...productIds]}::uuid[])`;
}

/**
 * Adds units to a product's stock in one statement (concurrent restocks and reservations never
 * lose an update) and announces it (StockRestocked, the row's new version) in the same transaction:
 * the new stock and its event commit together. `null` when inventory holds no stock row for the product.
 */
export function restockProduct(
  db: InventoryDatabase,
  productId: string,
  quantity: number,
): Promise<StockLevelRecord | null> {
  return db.$transaction(async (tx) => {
    const [updated] = await tx.stockLevel.updateManyAndReturn({
      where: { productId, quantity: { lte: MAX_STOCK - quantity } },
      data: { quantity: { increment: quantity }, version: { increment: 1 } },
    });
    if (!updated) {
      if (await tx.stockLevel.findUnique({ where: { productId } })) throw new StockLimitExceeded(productId);
      return null;
    }
    await appendToOutbox(tx, {
      type: 'StockRestocked',
      aggregateId: updated.productId,
      version: updated.version,
      payload: { productId: updated.productId, added: quantity, stock: updated.quantity },
    });
    return updated;
  });
}

/**
 * ProductCreated: the new product gets a stock row with 0 units, in the consumer's transaction
 * with the inbox row; a stock row that already exists (seed, replayed event) keeps its quantity.
 */
export async function openStockLevel(
  tx: Prisma.TransactionClient,
  event: EventEnvelope<'ProductCreated'>,
): Promise<EffectOutcome> {
  await tx.stockLevel.createMany({
    data: [{ productId: event.payload.productId, quantity: 0 }],
    skipDuplicates: true,
  });
  return 'applied';
}
