import { plainSql } from '@msd/database';
import { type EffectStatement, type EventEnvelope, outboxAppend, outboxTraceContext } from '@msd/events';
import type { PageArgs } from '@msd/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { OrderDatabase } from './database.ts';
import type { Order, OrderItem } from './generated/client.ts';
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
 * The order, its items and its OrderCreated event in one statement (one transaction, one round
 * trip): an order is never visible without all its items, and never exists without the event that
 * starts its stock reservation. Each item's name is the newer of the product API's answer and the
 * newest a ProductUpdated or STRONG rename recorded meanwhile (`productNameCopy.newestForInsert`,
 * the statement's first CTE): none is lost in between. The event's id is the order's id: there is
 * one OrderCreated per order, ever, and re-sending it (anti-entropy) is recognised by every inbox.
 */
export async function insertOrder(
  db: OrderDatabase,
  customerId: string,
  items: NewOrderItem[],
): Promise<OrderRecord> {
  const orderId = uuidv7();
  const newest = productNameCopy.newestForInsertValues(
    items.map((item) => ({ id: item.productId, value: item.productName, version: item.productVersion })),
  );
  const event = orderCreated(orderId, customerId, items);
  const { rows } = await plainSql(db).query<OrderRecord>({
    name: 'insert order',
    text: `WITH newest AS (
        ${productNameCopy.newestForInsertSql('$1', '$2', '$3', '$4')}
        RETURNING owner_id, value, version),
      placed AS (
        INSERT INTO orders (id, customer_id) VALUES ($5::uuid, $6)
        RETURNING id::text, customer_id AS "customerId", status::text AS status, created_at AS "createdAt",
                  settled_at AS "settledAt"),
      items AS (
        INSERT INTO order_items (id, order_id, position, product_id, product_name, product_version, unit_price_cents, quantity)
        SELECT i.id, $5::uuid, i.position - 1, i.product_id, n.value, n.version, i.unit_price_cents, i.quantity
        FROM unnest($7::uuid[], $8::uuid[], $9::int[], $10::int[]) WITH ORDINALITY
               AS i(id, product_id, unit_price_cents, quantity, position)
        JOIN newest n ON n.owner_id = i.product_id),
      announced AS (${outboxAppend(`SELECT $5::uuid, 'OrderCreated', $5::text, 1, $11::jsonb, $12::jsonb`)})
      SELECT * FROM placed`,
    values: [
      productNameCopy.copy,
      newest.ids,
      newest.values,
      newest.versions,
      orderId,
      customerId,
      items.map(() => uuidv7()),
      items.map((item) => item.productId),
      items.map((item) => item.unitPriceCents),
      items.map((item) => item.quantity),
      JSON.stringify(event.payload),
      outboxTraceContext(),
    ],
  });
  const [order] = rows;
  if (!order) throw new Error('insert order: no row returned');
  return order;
}

/**
 * The outcome of the stock reservation, in the consumer's one statement with its inbox row: a
 * PLACED order becomes CONFIRMED or REJECTED. An order that already moved on is left as it is.
 */
export function stockDecisionEffect(
  event: EventEnvelope<'StockReserved' | 'StockRejected'>,
): EffectStatement {
  return {
    ctes: `moved AS (
      UPDATE orders SET status = $6::"OrderStatus"
      WHERE id = $5::uuid AND status = 'PLACED' AND EXISTS (SELECT FROM inbox)
      RETURNING 1)`,
    outcome: `CASE WHEN EXISTS (SELECT FROM moved) THEN 'applied' ELSE 'stale' END`,
    values: [event.payload.orderId, event.type === 'StockReserved' ? 'CONFIRMED' : 'REJECTED'],
  };
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
