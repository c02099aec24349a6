import {
  abortRename,
  createInDoubtResolver,
  injectRenameFault,
  prepareRename,
  type RenameFaults,
  type RenameParticipantOptions,
} from '@msd/coordination';
import { badUserInput, createLogger, isUuid, requireText } from '@msd/service-kit';
import type { OrderContext } from './context.ts';
import type { OrderDatabase } from './data/database.ts';
import { commitProductNameCopies } from './data/renames.ts';

/**
 * The order service as a participant of the coordinator's STRONG renames, for its `productName`
 * copies: prepare, commit and abort on its internal API (@inaccessible mutations on the subgraph
 * endpoint, which needs the service credential).
 */
export function renameParticipantMutations(faults?: RenameFaults) {
  return {
    prepareCopyRename: async (
      _: unknown,
      args: { transactionId: string; productId: string; name: string },
      { db }: OrderContext,
    ) => {
      await injectRenameFault(faults, 'prepare', 'order');
      const name = requireText(args.name, 'name');
      if (!isUuid(args.productId))
        throw badUserInput('"productId" is not a product id', { field: 'productId' });
      await prepareRename(db, { transactionId: args.transactionId, productId: args.productId, name });
      return true;
    },
    commitCopyRename: async (
      _: unknown,
      { transactionId, version }: { transactionId: string; version: number },
      { db }: OrderContext,
    ) => {
      await injectRenameFault(faults, 'commit', 'order');
      return commitProductNameCopies(db, transactionId, version);
    },
    abortCopyRename: async (
      _: unknown,
      { transactionId, productId }: { transactionId: string; productId: string },
      { db }: OrderContext,
    ) => {
      await injectRenameFault(faults, 'abort', 'order');
      await abortRename(db, transactionId, productId);
      return true;
    },
  };
}

/**
 * Settles renames prepared here whose decision never arrived, by asking the coordinator. A commit
 * waits until the coordinator knows the version the product service committed at.
 */
export function orderInDoubtResolver(db: OrderDatabase, options: RenameParticipantOptions) {
  return createInDoubtResolver({
    participant: 'order',
    db,
    logger: createLogger('order'),
    settings: options,
    commit: async (rename, outcome) => {
      if (outcome.version === null) return false;
      await commitProductNameCopies(db, rename.transactionId, outcome.version);
      return true;
    },
  });
}
