import type { GraphQLResolveInfo } from '@msd/service-kit';
import type { InventoryContext } from './context.ts';
import { stockDecisionCopy } from './data/reserveStockEffect.ts';
import { findStockDecisions } from './data/stockDecisions.ts';

/**
 * `Product.stock`, with the reservations of the orders the caller's consistency token names: each
 * order's decision is waited for (the OrderCreated consumer's NOTIFY at commit), at most the
 * request's wait; inventory owns stock, so there is no owner to ask: an order still undecided
 * leaves an error at this path saying the read is stale. Then stock is read after the decisions.
 */
export async function freshStock(
  { id, quantity }: { id: string; quantity?: number },
  _: unknown,
  { db, loaders, consistency, freshness }: InventoryContext,
  info: GraphQLResolveInfo,
): Promise<number | null> {
  const orders = [...consistency.required.keys()].filter((key) => key.startsWith('order:'));
  if (orders.length === 0) return quantity ?? (await loaders.stockByProductId.load(id))?.quantity ?? null;
  const decision = {
    copy: stockDecisionCopy,
    readNewest: async (_db: unknown, orderId: string) =>
      (await findStockDecisions(db, [orderId])).length > 0
        ? { id: orderId, value: '', version: 1 }
        : undefined,
  };
  await Promise.all(
    orders.map((key) =>
      consistency.read({
        key,
        copy: { value: '', version: 0 },
        path: info.path,
        awaitCopy: async (version, timeoutMs) =>
          freshness?.awaitVersion(decision, key.slice('order:'.length), version, timeoutMs),
        readOwner: async () => undefined,
      }),
    ),
  );
  return (await loaders.stockByProductId.clear(id).load(id))?.quantity ?? null;
}
