import { commitRename, type PendingRename } from '@msd/coordination';
import type { SqlTransaction } from '@msd/events';
import type { OrderDatabase } from './database.ts';
import { productNameCopy } from './productNameCopy.ts';

/**
 * Commits a prepared rename of a product's copies at the version the product service committed,
 * through the same `productNameCopy.applyValue` as the ProductUpdated consumer (version-guarded, recorded in `copy_sources`): a newer event
 * that got here first is never overwritten, and the event of this very version, arriving later, is
 * stale. Returns the version.
 */
export function commitProductNameCopies(
  db: OrderDatabase,
  transactionId: string,
  version: number,
): Promise<number> {
  return commitRename(db, transactionId, async (tx: SqlTransaction, rename: PendingRename) => {
    await productNameCopy.applyValue(tx, { id: rename.productId, value: rename.name, version });
    return version;
  });
}
