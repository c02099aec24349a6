import { appendToOutbox, type EffectOutcome, type EventEnvelope } from '@msd/events';
import type { ShippingDatabase } from './database.ts';
import type { Prisma, Shipment } from './generated/client.ts';

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
 * OrderCreated (in the consumer's transaction): the order gets a PENDING shipment, and
 * ShipmentCreated is announced, unless it already has one (a replayed event, or StockRejected
 * arrived first and left it CANCELLED). The unique `order_id` makes concurrent deliveries create one.
 */
export async function createShipmentForOrder(
  tx: Prisma.TransactionClient,
  event: EventEnvelope<'OrderCreated'>,
): Promise<EffectOutcome> {
  const { orderId, customerId } = event.payload;
  const [created] = await tx.shipment.createManyAndReturn({
    data: [{ orderId, customerId }],
    skipDuplicates: true,
  });
  // A shipment that StockRejected created first learns its customer now.
  if (!created) await tx.shipment.updateMany({ where: { orderId, customerId: null }, data: { customerId } });
  if (created) {
    await appendToOutbox(tx, {
      type: 'ShipmentCreated',
      aggregateId: created.id,
      version: 1,
      payload: { shipmentId: created.id, orderId },
    });
  }
  return 'applied';
}

/**
 * StockRejected, the compensation: the order's PENDING shipment is cancelled (one already SHIPPED
 * or DELIVERED stays as it is). Events from two publishers arrive in any order, so when there is
 * no shipment yet it is created CANCELLED, and the OrderCreated that comes later finds it there.
 */
export async function cancelShipmentForOrder(
  tx: Prisma.TransactionClient,
  event: EventEnvelope<'StockRejected'>,
): Promise<EffectOutcome> {
  const { orderId } = event.payload;
  const { count } = await tx.shipment.createMany({
    data: [{ orderId, status: 'CANCELLED' }],
    skipDuplicates: true,
  });
  if (count === 0) {
    await tx.shipment.updateMany({ where: { orderId, status: 'PENDING' }, data: { status: 'CANCELLED' } });
  }
  return 'applied';
}
