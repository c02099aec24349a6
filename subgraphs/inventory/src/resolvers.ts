import { badUserInput, type GraphQLResolverMap, isUuid, notFound } from '@msd/service-kit';
import type { InventoryContext } from './context.ts';
import { findStockDecisions, resendStockDecisions } from './data/stockDecisions.ts';
import { MAX_STOCK, restockProduct, StockLimitExceeded } from './data/stockLevels.ts';
import { freshStock } from './freshStock.ts';

/** Inventory's Product: the reference, plus the quantity when a mutation has just read it. */
interface ProductStock {
  id: string;
  quantity?: number;
}

const MAX_RESTOCK = 1_000_000;
const MAX_ORDER_IDS = 500;

function orderIdsOf(orderIds: string[]): string[] {
  if (orderIds.length > MAX_ORDER_IDS)
    throw badUserInput(`At most ${MAX_ORDER_IDS} order ids`, { field: 'orderIds' });
  return orderIds.filter(isUuid);
}

export const resolvers: GraphQLResolverMap<InventoryContext> = {
  Query: {
    stockDecisions: (_: unknown, { orderIds }: { orderIds: string[] }, { db }: InventoryContext) =>
      findStockDecisions(db, orderIdsOf(orderIds)),
  },
  Mutation: {
    resendStockDecisions: (_: unknown, { orderIds }: { orderIds: string[] }, { db }: InventoryContext) =>
      db.$transaction((tx) => resendStockDecisions(tx, orderIdsOf(orderIds))),
    restock: async (
      _: unknown,
      { productId, quantity }: { productId: string; quantity: number },
      { db, consistency }: InventoryContext,
    ): Promise<ProductStock> => {
      if (quantity < 1 || quantity > MAX_RESTOCK)
        throw badUserInput('"quantity" must be between 1 and 1,000,000', { field: 'quantity' });
      try {
        const restocked = isUuid(productId) ? await restockProduct(db, productId, quantity) : null;
        if (!restocked) throw notFound(`No stock record for product "${productId}"`, { id: productId });
        // Nothing copies stock (reads come from this row), but the writer's token names every write.
        consistency.wrote(`stock:${restocked.productId}`, restocked.version);
        return { id: restocked.productId, quantity: restocked.quantity };
      } catch (error) {
        if (error instanceof StockLimitExceeded)
          throw badUserInput(`Stock may not exceed ${MAX_STOCK} units`, { field: 'quantity' });
        throw error;
      }
    },
  },
  Product: {
    // The representation is all inventory needs; `stock` is loaded (batched) only when asked for.
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    stock: freshStock,
  },
};
