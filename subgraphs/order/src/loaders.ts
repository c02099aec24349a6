import { createEntityLoader, createGroupLoader } from '@msd/service-kit';
import type { OrderDatabase } from './data/database.ts';
import { findItemsByOrderIds, findOrdersByIds } from './data/orders.ts';

export function createLoaders(db: OrderDatabase) {
  return {
    orderById: createEntityLoader((ids) => findOrdersByIds(db, ids)),
    itemsByOrderId: createGroupLoader(
      (orderIds) => findItemsByOrderIds(db, orderIds),
      (item) => item.orderId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
