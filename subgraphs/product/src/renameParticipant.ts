import {
  abortRename,
  createInDoubtResolver,
  injectRenameFault,
  prepareRename,
  type RenameFaults,
  type RenameParticipantOptions,
} from '@msd/coordination';
import { createLogger, isUuid, notFound, requireText } from '@msd/service-kit';
import type { ProductContext } from './context.ts';
import type { ProductDatabase } from './data/database.ts';
import { commitProductRename } from './data/renames.ts';

/**
 * The product service as a participant of the coordinator's STRONG renames: prepare, commit and
 * abort on its internal API (the subgraph endpoint, which needs the service credential; the
 * mutations are @inaccessible, so the gateway never exposes them).
 */
export function renameParticipantMutations(faults?: RenameFaults) {
  return {
    prepareRename: async (
      _: unknown,
      args: { transactionId: string; productId: string; name: string },
      { db, loaders }: ProductContext,
    ) => {
      await injectRenameFault(faults, 'prepare', 'product');
      const name = requireText(args.name, 'name');
      const product = isUuid(args.productId) ? await loaders.productById.load(args.productId) : null;
      if (!product) throw notFound(`No product with id "${args.productId}"`, { id: args.productId });
      await prepareRename(db, { transactionId: args.transactionId, productId: product.id, name });
      return true;
    },
    commitRename: async (
      _: unknown,
      { transactionId }: { transactionId: string },
      { db }: ProductContext,
    ) => {
      await injectRenameFault(faults, 'commit', 'product');
      return commitProductRename(db, transactionId);
    },
    abortRename: async (
      _: unknown,
      { transactionId, productId }: { transactionId: string; productId: string },
      { db }: ProductContext,
    ) => {
      await injectRenameFault(faults, 'abort', 'product');
      await abortRename(db, transactionId, productId);
      return true;
    },
  };
}

/** Settles renames prepared here whose decision never arrived, by asking the coordinator. */
export function productInDoubtResolver(db: ProductDatabase, options: RenameParticipantOptions) {
  return createInDoubtResolver({
    participant: 'product',
    db,
    logger: createLogger('product'),
    settings: options,
    commit: async (rename) => {
      await commitProductRename(db, rename.transactionId);
      return true;
    },
  });
}
