import { createRenameParticipant, type RenameParticipantOptions } from '@msd/coordination';
import { isUuid, notFound } from '@msd/service-kit';
import type { ProductContext } from './context.ts';
import type { ProductDatabase } from './data/database.ts';
import { commitProductRename } from './data/renames.ts';

/**
 * The product service in the coordinator's STRONG renames: it owns the name, so it commits first and
 * assigns the version that the copies then commit at.
 */
export function productRenameParticipant(db: ProductDatabase, options: RenameParticipantOptions) {
  return createRenameParticipant<ProductDatabase, ProductContext>(
    {
      participant: 'product',
      async validate(productId, { loaders }) {
        const product = isUuid(productId) ? await loaders.productById.load(productId) : null;
        if (!product) throw notFound(`No product with id "${productId}"`, { id: productId });
      },
      commit: (tx, transactionId) => commitProductRename(tx, transactionId),
    },
    db,
    options,
  );
}
