import type { GraphQLResolverMap } from '@msd/service-kit';
import type { InventoryContext } from './context.ts';

export const resolvers: GraphQLResolverMap<InventoryContext> = {
  Product: {
    // The representation is all inventory needs; `stock` is loaded (batched) only when asked for.
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    stock: async ({ id }: { id: string }, _: unknown, { loaders }: InventoryContext) =>
      (await loaders.stockByProductId.load(id))?.quantity ?? null,
  },
};
