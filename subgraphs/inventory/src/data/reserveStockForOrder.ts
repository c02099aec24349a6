import { appendToOutbox, COPY_APPLIED_CHANNEL, type EffectOutcome, type EventEnvelope } from '@msd/events';
import type { Prisma } from './generated/client.ts';
import { resendStockDecisions } from './stockDecisions.ts';

interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

/**
 * OrderCreated: reserves every item of the order or none, and announces which (StockReserved or
 * StockRejected), in the consumer's transaction with the inbox row, so a redelivered order reserves once.
 * The rows are locked in product-id order, so two orders over the same products queue behind each
 * other instead of deadlocking, and each sees the quantity the other left. A product without a
 * stock row has 0 units available.
 *
 * The decision is recorded once per order (`stock_decisions`, with the id of the event that
 * announced it). An OrderCreated that comes again after its inbox row is gone, or re-sent by the
 * order service's anti-entropy, re-announces that decision (same event id) and reserves nothing.
 */
export async function reserveStockForOrder(
  tx: Prisma.TransactionClient,
  event: EventEnvelope<'OrderCreated'>,
): Promise<EffectOutcome> {
  const { orderId, items } = event.payload;
  // A lock on the order's id (inventory has no row of the order to lock): two deliveries of one
  // order decide one after the other.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${orderId}))`;
  if ((await resendStockDecisions(tx, [orderId])) > 0) return 'stale';
  // placeOrder refuses a product listed twice, but the event contract does not: a repeated product
  // needs the sum. Ids are lowercased to match `uuid::text` below.
  const requested = new Map<string, number>();
  for (const { productId, quantity } of items) {
    const id = productId.toLowerCase();
    requested.set(id, (requested.get(id) ?? 0) + quantity);
  }
  const productIds = [...requested.keys()];

  const rows = await tx.$queryRaw<{ product_id: string; quantity: number }[]>`
    SELECT product_id::text, quantity FROM stock_levels
    WHERE product_id = ANY(${productIds}::uuid[])
    ORDER BY product_id
    FOR UPDATE`;
  const available = new Map(rows.map((row) => [row.product_id, row.quantity]));
  const shortages: Shortage[] = productIds
    .map((productId) => ({
      productId,
      requested: requested.get(productId) ?? 0,
      available: available.get(productId) ?? 0,
    }))
    .filter((line) => line.available < line.requested);

  if (shortages.length > 0) {
    const payload = {
      orderId,
      reason: `Insufficient stock for ${shortages.length} of ${productIds.length} products`,
      shortages,
    };
    const eventId = await appendToOutbox(tx, {
      type: 'StockRejected',
      aggregateId: orderId,
      version: 1,
      payload,
    });
    await recordDecision(tx, orderId, 'REJECTED', eventId, payload, []);
    return 'applied';
  }
  await tx.$executeRaw`
    UPDATE stock_levels AS s
    SET quantity = s.quantity - r.quantity, version = s.version + 1, updated_at = now()
    FROM unnest(${productIds}::uuid[], ${productIds.map((id) => requested.get(id))}::int[]) AS r(product_id, quantity)
    WHERE s.product_id = r.product_id`;
  const eventId = await appendToOutbox(tx, {
    type: 'StockReserved',
    aggregateId: orderId,
    version: 1,
    payload: { orderId },
  });
  await recordDecision(
    tx,
    orderId,
    'RESERVED',
    eventId,
    { orderId },
    productIds.map((productId) => ({ productId, quantity: requested.get(productId) ?? 0 })),
  );
  return 'applied';
}

/** Reads waiting on this order's decision (a consistency token names the order) wake at commit. */
export const stockDecisionCopy = 'inventory.stockDecision';

async function recordDecision(
  tx: Prisma.TransactionClient,
  orderId: string,
  outcome: 'RESERVED' | 'REJECTED',
  eventId: string,
  payload: object,
  items: { productId: string; quantity: number }[],
) {
  await tx.$executeRaw`
    INSERT INTO stock_decisions (order_id, outcome, event_id, payload, items)
    VALUES (${orderId}::uuid, ${outcome}, ${eventId}::uuid, ${JSON.stringify(payload)}::jsonb, ${JSON.stringify(items)}::jsonb)`;
  await tx.$executeRaw`SELECT pg_notify(${COPY_APPLIED_CHANNEL}, ${`${stockDecisionCopy} ${orderId} 1`})`;
}
