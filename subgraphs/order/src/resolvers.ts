import { readCopyStatus, readLastRun, reconcileNow } from '@msd/events';
import { actsFor, type Caller, type GraphQLResolverMap, pageArgs } from '@msd/service-kit';
import type { OrderContext } from './context.ts';
import { countUnsettledOrders } from './data/orderReactions.ts';
import { listOrders, type OrderItemRecord, type OrderRecord } from './data/orders.ts';
import { freshProductName } from './freshProductName.ts';
import { type PlaceOrderInput, placeOrder } from './placeOrder.ts';

export const resolvers: GraphQLResolverMap<OrderContext> = {
  Query: {
    replicationStatus: () => ({ id: 'replication' }),
    order: async (_: unknown, { id }: { id: string }, { loaders, caller }: OrderContext) =>
      ownOrder(await loaders.orderById.load(id), caller),
    orders: (_: unknown, args: { first?: number; after?: string }, { db, caller }: OrderContext) =>
      listOrders(db, pageArgs(args), caller.scopes.includes('operator') ? undefined : ownerOf(caller)),
  },
  Mutation: {
    placeOrder: async (
      _: unknown,
      { input }: { input: PlaceOrderInput },
      { db, productCatalog, caller, consistency }: OrderContext,
    ) => {
      actsFor(caller, input.customerId, `An order for customer "${input.customerId}"`);
      const order = await placeOrder(db, productCatalog, input);
      consistency.wrote(`order:${order.id}`, 1);
      return order;
    },
    reconcileProductNames: (_: unknown, __: unknown, { db, events }: OrderContext) =>
      reconcileNow(db, events?.productName),
  },
  ReplicationStatus: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    productName: (_: unknown, __: unknown, { db, events }: OrderContext) =>
      events ? readCopyStatus(db, events.productName) : null,
    orderReactions: async (_: unknown, __: unknown, { db, events }: OrderContext) => {
      if (!events) return null;
      const { reaction, deadlineMs } = events.orderReactions;
      const [counts, lastRun] = await Promise.all([
        countUnsettledOrders(db, deadlineMs),
        readLastRun(db, reaction),
      ]);
      return { reaction, deadlineSeconds: deadlineMs / 1000, ...counts, lastRun };
    },
  },
  Order: {
    // Entity fetches (`shipment { order }`) are checked like `order(id)`: the gateway may reach an
    // order through another service's data, and ownership is this service's to decide.
    __resolveReference: async ({ id }: { id: string }, { loaders, caller }: OrderContext) =>
      ownOrder(await loaders.orderById.load(id), caller),
    items: (order: OrderRecord, _: unknown, { loaders }: OrderContext) =>
      loaders.itemsByOrderId.load(order.id),
    total: async (order: OrderRecord, _: unknown, { loaders }: OrderContext) => {
      const items = await loaders.itemsByOrderId.load(order.id);
      return items.reduce((cents, item) => cents + item.unitPriceCents * item.quantity, 0) / 100;
    },
    createdAt: (order: OrderRecord) => order.createdAt.toISOString(),
  },
  OrderItem: {
    product: (item: OrderItemRecord) => ({ __typename: 'Product', id: item.productId }),
    productName: freshProductName,
    unitPrice: (item: OrderItemRecord) => item.unitPriceCents / 100,
  },
};

/** An order is its customer's (and an operator's) to see: anyone else gets FORBIDDEN. */
function ownOrder(order: OrderRecord | null, caller: Caller): OrderRecord | null {
  if (order) actsFor(caller, order.customerId, `Order "${order.id}"`);
  return order;
}

/** The customer whose orders a non-operator caller lists: itself; an anonymous caller lists none. */
function ownerOf(caller: Caller): string {
  if (caller.subject === undefined) actsFor(caller, '', 'Orders');
  return caller.subject as string;
}
