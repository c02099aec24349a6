import { appendToOutbox, type EffectOutcome, type EventEnvelope } from '@msd/events';
import type { PageArgs } from '@msd/service-kit';
import type { OrderDatabase } from './database.ts';
import type { Order, OrderItem, Prisma } from './generated/client.ts';
import { productNameCopy } from './productNameCopy.ts';

export type OrderRecord = Order;
export type OrderItemRecord = OrderItem;

export interface NewOrderItem {
  productId: string;
  productName: string;
  /** The product version the copied name was read at. */
  productVersion: number;
  unitPriceCents: number;
  quantity: number;
}

// One statement text for any number of ids (`= ANY($1)`, not a fresh `IN ($1..$n)` per batch size),
// so PostgreSQL can keep its plan, and only the columns the API reads.
export function findOrdersByIds(db: OrderDatabase, ids: readonly string[]): Promise<OrderRecord[]> {
  return db.$queryRaw`
    SELECT id, customer_id AS "customerId", status::text AS status, created_at AS "createdAt"
    FROM orders WHERE id = ANY(${[...ids]}::uuid[])`;
}

/** A page of orders: every customer's, or only `customerId`'s. */
export function listOrders(db: OrderDatabase, page: PageArgs, customerId?: string): Promise<OrderRecord[]> {
  return db.order.findMany({
    where: {
      ...(page.afterId ? { id: { gt: page.afterId } } : {}),
      ...(customerId === undefined ? {} : { customerId }),
    },
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

/** What the API reads of an order item. */
export type OrderItemRow = Pick<
  OrderItemRecord,
  'orderId' | 'position' | 'productId' | 'productName' | 'unitPriceCents' | 'quantity'
>;

/** The items of the orders, in order and position order: one statement for the whole page. */
export function findItemsByOrderIds(db: OrderDatabase, orderIds: readonly string[]): Promise<OrderItemRow[]> {
  return db.$queryRaw`
    SELECT order_id AS "orderId", position, product_id AS "productId", product_name AS "productName",
           unit_price_cents AS "unitPriceCents", quantity
    FROM order_items WHERE order_id = ANY(${[...orderIds]}::uuid[])
    ORDER BY order_id, position`;
}

/**
 * The order, its items and its OrderCreated event in one transaction: an order is never visible
 * without all its items, and never exists without the event that starts its stock reservation.
 * Each item's name is the newer of the product API's answer and the newest a ProductUpdated or
 * STRONG rename recorded meanwhile (`productNameCopy.newestForInsert`): none is lost in between.
 * The event's id is the order's id: there is one OrderCreated per order, ever, and re-sending it
 * (anti-entropy) is recognised by every inbox.
 */
export function insertOrder(
  db: OrderDatabase,
  customerId: string,
  items: NewOrderItem[],
): Promise<OrderRecord> {
  return db.$transaction(async (tx) => {
    const newest = await productNameCopy.newestForInsert(
      tx,
      items.map((item) => ({ id: item.productId, value: item.productName, version: item.productVersion })),
    );
    const current = items.map((item) => {
      const source = newest.get(item.productId);
      return source ? { ...item, productName: source.value, productVersion: source.version } : item;
    });
    const order = await tx.order.create({
      data: { customerId, items: { create: current.map((item, position) => ({ ...item, position })) } },
    });
    await appendToOutbox(tx, orderCreated(order.id, customerId, items));
    return order;
  });
}

/**
 * The outcome of the stock reservation, in the consumer's transaction: a PLACED order becomes
 * CONFIRMED or REJECTED. An order that already moved on is left as it is.
 */
export async function applyStockDecision(
  tx: Prisma.TransactionClient,
  event: EventEnvelope<'StockReserved' | 'StockRejected'>,
): Promise<EffectOutcome> {
  const { count } = await tx.order.updateMany({
    where: { id: event.payload.orderId, status: 'PLACED' },
    data: { status: event.type === 'StockReserved' ? 'CONFIRMED' : 'REJECTED' },
  });
  return count > 0 ? 'applied' : 'stale';
}

/**
 * The OrderCreated event of an order. Its id is the order's, so a re-sent event (anti-entropy) is
 * the same event, and every subscriber's inbox recognises it.
 */
export function orderCreated(
  orderId: string,
  customerId: string,
  items: readonly { productId: string; quantity: number }[],
) {
  return {
    id: orderId,
    type: 'OrderCreated',
    aggregateId: orderId,
    version: 1,
    payload: {
      orderId,
      customerId,
      items: items.map(({ productId, quantity }) => ({ productId, quantity })),
    },
  } as const;
}
