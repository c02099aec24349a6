import type { GraphQLResolverMap } from '@msd/service-kit';
import type { RenameCoordinator } from './createRenameCoordinator.ts';

export interface CoordinatorContext {
  coordinator: RenameCoordinator;
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
    renameProduct: (
      _: unknown,
      args: { id: string; name: string; consistency: 'STRONG' | 'EVENTUAL' },
      { coordinator }: CoordinatorContext,
    ) => coordinator.renameProduct(args),
  },
};
