import { readCopyStatus, readLastRun, reconcileNow } from '@msd/events';
import { type GraphQLResolverMap, pageArgs } from '@msd/service-kit';
import type { OrderContext } from './context.ts';
import { countUnsettledOrders } from './data/orderReactions.ts';
import { listOrders, type OrderItemRecord, type OrderRecord } from './data/orders.ts';
import { type PlaceOrderInput, placeOrder } from './placeOrder.ts';

export const resolvers: GraphQLResolverMap<OrderContext> = {
  Query: {
    replicationStatus: () => ({ id: 'replication' }),
    order: (_: unknown, { id }: { id: string }, { loaders }: OrderContext) => loaders.orderById.load(id),
    orders: (_: unknown, args: { first?: number; after?: string }, { db }: OrderContext) =>
      listOrders(db, pageArgs(args)),
  },
  Mutation: {
    placeOrder: (_: unknown, { input }: { input: PlaceOrderInput }, { db, productCatalog }: OrderContext) =>
      placeOrder(db, productCatalog, input),
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
    __resolveReference: ({ id }: { id: string }, { loaders }: OrderContext) => loaders.orderById.load(id),
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
    unitPrice: (item: OrderItemRecord) => item.unitPriceCents / 100,
  },
};
