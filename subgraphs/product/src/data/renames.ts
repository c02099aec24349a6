import { commitRename, type PendingRename } from '@msd/coordination';
import { appendToOutbox } from '@msd/events';
import type { ProductDatabase } from './database.ts';
import { productUpdated } from './products.ts';

type ProductTransaction = Parameters<Parameters<ProductDatabase['$transaction']>[0]>[0];

/**
 * Commits a prepared rename: the new name, the next version and ProductUpdated in one transaction
 * with the participant record, the same event as `updateProduct` writes, so event consumers
 * and the coordinator see one history of versions. Returns the version (the same one on a repeat).
 */
export function commitProductRename(db: ProductDatabase, transactionId: string): Promise<number> {
  return commitRename<ProductTransaction>(db, transactionId, async (tx, rename: PendingRename) => {
    const [updated] = await tx.product.updateManyAndReturn({
      where: { id: rename.productId },
      data: { name: rename.name, version: { increment: 1 } },
    });
    if (!updated) throw new Error(`Product ${rename.productId} vanished after it was prepared`);
    await appendToOutbox(tx, productUpdated(updated));
    return updated.version;
  });
}
