import { type EffectStatement, type EventEnvelope, outboxAppend, outboxTraceContext } from '@msd/events';
import { v7 as uuidv7 } from 'uuid';
import type { ShippingDatabase } from './database.ts';
import type { Shipment } from './generated/client.ts';

export type ShipmentRecord = Shipment;

// One statement text for any number of ids (`= ANY($1)`, not a fresh `IN ($1..$n)` per batch size),
// so PostgreSQL can keep its plan.

export function findShipmentsByIds(db: ShippingDatabase, ids: readonly string[]): Promise<ShipmentRecord[]> {
  return db.$queryRaw`
    SELECT id, order_id AS "orderId", customer_id AS "customerId", status::text AS status, created_at AS "createdAt", updated_at AS "updatedAt"
    FROM shipments WHERE id = ANY(${[...ids]}::uuid[])`;
}

export function findShipmentsByOrderIds(
  db: ShippingDatabase,
  orderIds: readonly string[],
): Promise<ShipmentRecord[]> {
  return db.$queryRaw`
    SELECT id, order_id AS "orderId", customer_id AS "customerId", status::text AS status, created_at AS "createdAt", updated_at AS "updatedAt"
    FROM shipments WHERE order_id = ANY(${[...orderIds]}::uuid[])`;
}

/**
 * OrderCreated (in the consumer's one statement with its inbox row): the order gets a PENDING
 * shipment, and ShipmentCreated is announced, unless it already has one (a replayed event, or
 * StockRejected arrived first and left it CANCELLED: that shipment learns its customer now). The
 * unique `order_id` makes concurrent deliveries create one; the upsert waits for a concurrent one
 * and then sees it, so the customer is never lost.
 */
export function createShipmentEffect(event: EventEnvelope<'OrderCreated'>): EffectStatement {
  const { orderId, customerId } = event.payload;
  return {
    ctes: `created AS (
        INSERT INTO shipments AS s (id, order_id, customer_id)
        SELECT $5::uuid, $6::uuid, $7 WHERE EXISTS (SELECT FROM inbox)
        ON CONFLICT (order_id) DO UPDATE SET customer_id = excluded.customer_id, updated_at = now()
          WHERE s.customer_id IS NULL
        RETURNING id, order_id, xmax = 0 AS inserted),
      announced AS (${outboxAppend(`SELECT gen_random_uuid(), 'ShipmentCreated', id::text, 1,
          jsonb_build_object('shipmentId', id, 'orderId', order_id), $8::jsonb
        FROM created WHERE inserted`)})`,
    outcome: `'applied'`,
    values: [uuidv7(), orderId, customerId, outboxTraceContext()],
  };
}

/**
 * StockRejected, the compensation: the order's PENDING shipment is cancelled (one already SHIPPED
 * or DELIVERED stays as it is). Events from two publishers arrive in any order, so when there is
 * no shipment yet it is created CANCELLED, and the OrderCreated that comes later finds it there.
 */
export function cancelShipmentEffect(event: EventEnvelope<'StockRejected'>): EffectStatement {
  return {
    ctes: `cancelled AS (
        INSERT INTO shipments AS s (id, order_id, status)
        SELECT $5::uuid, $6::uuid, 'CANCELLED' WHERE EXISTS (SELECT FROM inbox)
        ON CONFLICT (order_id) DO UPDATE SET status = 'CANCELLED', updated_at = now()
          WHERE s.status = 'PENDING'
        RETURNING 1)`,
    outcome: `'applied'`,
    values: [uuidv7(), event.payload.orderId],
  };
}
