import { createRenameParticipant, type RenameParticipantOptions } from '@msd/coordination';
import { badUserInput, isUuid } from '@msd/service-kit';
import type { OrderContext } from './context.ts';
import type { OrderDatabase } from './data/database.ts';
import { commitProductNameCopies } from './data/renames.ts';

/**
 * The order service in the coordinator's STRONG renames, for its `productName` copies: they commit
 * at the version the product service committed, so an in-doubt commit waits until the coordinator
 * knows it.
 */
export function orderRenameParticipant(db: OrderDatabase, options: RenameParticipantOptions) {
  return createRenameParticipant<OrderDatabase, OrderContext>(
    {
      participant: 'order',
      async validate(productId) {
        if (!isUuid(productId)) throw badUserInput('"productId" is not a product id', { field: 'productId' });
      },
      commit: async (tx, transactionId, version) =>
        version === null ? null : commitProductNameCopies(tx, transactionId, version),
    },
    db,
    options,
  );
}
