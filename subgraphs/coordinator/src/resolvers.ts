import type { GraphQLResolverMap, InvalidationContext, RequestConsistency } from '@msd/service-kit';
import type { RenameCoordinator } from './createRenameCoordinator.ts';

export interface CoordinatorContext extends InvalidationContext {
  coordinator: RenameCoordinator;
  consistency: RequestConsistency;
}

export const resolvers: GraphQLResolverMap<CoordinatorContext> = {
  Query: {
    renameOutcome: (
      _: unknown,
      { transactionId }: { transactionId: string },
      { coordinator }: CoordinatorContext,
    ) => coordinator.outcome(transactionId),
  },
  Mutation: {
    renameProduct: async (
      _: unknown,
      args: { id: string; name: string; consistency: 'STRONG' | 'EVENTUAL' },
      { coordinator, invalidations, consistency }: CoordinatorContext,
    ) => {
      const product = await coordinator.renameProduct(args);
      // The caller's token names the version its copies must reach before it reads them (after a
      // STRONG rename they already have: its reads are then fresh, and the cache is bypassed).
      consistency.wrote(`product:${product.id}`, product.version);
      // Committed everywhere: no cache may serve the old name once the client has the answer.
      // (EVENTUAL leaves that to the ProductUpdated event, as its copies.)
      if (args.consistency === 'STRONG')
        invalidations.push({ kind: 'entity', subgraph: 'product', type: 'Product', key: { id: product.id } });
      return product;
    },
  },
};
