import { commitRename, type PendingRename } from '@msd/coordination';
import type { SqlTransaction } from '@msd/events';
import type { OrderDatabase } from './database.ts';

/**
 * Commits a prepared rename of a product's copies at the version the product service committed,
 * with the same guard as the ProductUpdated consumer (`product_version < version`): a newer event
 * that got here first is never overwritten, and the event of this very version, arriving later, is
 * stale. Returns the version.
 */
export function commitProductNameCopies(
  db: OrderDatabase,
  transactionId: string,
  version: number,
): Promise<number> {
  return commitRename(db, transactionId, async (tx: SqlTransaction, rename: PendingRename) => {
    await tx.$executeRawUnsafe(
      `UPDATE order_items SET product_name = $1, product_version = $2
       WHERE product_id = $3::uuid AND product_version < $2`,
      rename.name,
      version,
      rename.productId,
    );
    return version;
  });
}
