import type { PageArgs } from '@msd/service-kit';
import type { OrderDatabase } from './database.ts';
import type { Order, OrderItem } from './generated/client.ts';

export type OrderRecord = Order;
export type OrderItemRecord = OrderItem;

export interface NewOrderItem {
  productId: string;
  productName: string;
  unitPriceCents: number;
  quantity: number;
}

export function findOrdersByIds(db: OrderDatabase, ids: readonly string[]): Promise<OrderRecord[]> {
  return db.order.findMany({ where: { id: { in: [...ids] } } });
}

export function listOrders(db: OrderDatabase, page: PageArgs): Promise<OrderRecord[]> {
  return db.order.findMany({
    where: page.afterId ? { id: { gt: page.afterId } } : {},
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

export function findItemsByOrderIds(
  db: OrderDatabase,
  orderIds: readonly string[],
): Promise<OrderItemRecord[]> {
  return db.orderItem.findMany({
    where: { orderId: { in: [...orderIds] } },
    orderBy: [{ orderId: 'asc' }, { position: 'asc' }],
  });
}

/** The order and its items in one transaction: an order is never visible without all its items. */
export function insertOrder(
  db: OrderDatabase,
  customerId: string,
  items: NewOrderItem[],
): Promise<OrderRecord> {
  return db.order.create({
    data: { customerId, items: { create: items.map((item, position) => ({ ...item, position })) } },
  });
}
