import { randomUUID } from 'node:crypto';
import {
  COPY_APPLIED_CHANNEL,
  type EffectStatement,
  type EventEnvelope,
  outboxAppend,
  outboxTraceContext,
} from '@msd/events';

/**
 * OrderCreated: reserves every item of the order or none, and announces which (StockReserved or
 * StockRejected), in the consumer's one statement with the inbox row, so a redelivered order
 * reserves once (the second delivery waits on the first's inbox row, then finds it).
 * The stock rows are locked in product-id order before anything is decided (`locked`), so two
 * orders over the same products queue behind each other instead of deadlocking, and each sees the
 * quantity the other left: a row locked after waiting is read as the other left it, and the
 * decrement applies to that version. A product without a stock row has 0 units available.
 *
 * The decision is recorded once per order (`stock_decisions`, keyed by the order, with the id of
 * the event that announced it). An OrderCreated that comes again after its inbox row is gone, or
 * re-sent by the order service's anti-entropy, re-announces that decision (same event id) and
 * reserves nothing (`stale`); two decisions for one order at once cannot both commit (the key).
 */
export function reserveStockEffect(event: EventEnvelope<'OrderCreated'>): EffectStatement {
  const { orderId, items } = event.payload;
  // placeOrder refuses a product listed twice, but the event contract does not: a repeated product
  // needs the sum. Ids are lowercased as `uuid::text` prints them (the shortages name them so).
  const requested = new Map<string, number>();
  for (const { productId, quantity } of items) {
    const id = productId.toLowerCase();
    requested.set(id, (requested.get(id) ?? 0) + quantity);
  }
  const announcement = `CASE outcome WHEN 'RESERVED' THEN 'StockReserved' ELSE 'StockRejected' END`;
  return {
    ctes: `prior AS (
        SELECT order_id, outcome, event_id, payload FROM stock_decisions
        WHERE order_id = $5::uuid AND EXISTS (SELECT FROM inbox)),
      resent AS (${outboxAppend(`SELECT event_id, ${announcement}, $6::text, 1, payload, $9::jsonb FROM prior`)}),
      requested AS (SELECT * FROM unnest($7::uuid[], $8::int[]) AS r(product_id, quantity)),
      locked AS (
        SELECT product_id, quantity FROM stock_levels
        WHERE product_id = ANY($7::uuid[]) AND EXISTS (SELECT FROM inbox) AND NOT EXISTS (SELECT FROM prior)
        ORDER BY product_id FOR UPDATE),
      short AS (
        SELECT r.product_id, r.quantity AS requested, coalesce(l.quantity, 0) AS available
        FROM requested r LEFT JOIN locked l USING (product_id)
        WHERE coalesce(l.quantity, 0) < r.quantity),
      decision AS (
        SELECT CASE WHEN EXISTS (SELECT FROM short) THEN 'REJECTED' ELSE 'RESERVED' END AS outcome,
               CASE WHEN EXISTS (SELECT FROM short) THEN jsonb_build_object(
                   'orderId', $6::text,
                   'reason', format('Insufficient stock for %s of %s products',
                                    (SELECT count(*) FROM short), cardinality($7::uuid[])),
                   'shortages', (SELECT jsonb_agg(jsonb_build_object('productId', product_id,
                                   'requested', requested, 'available', available) ORDER BY product_id) FROM short))
                 ELSE jsonb_build_object('orderId', $6::text) END AS payload
        WHERE EXISTS (SELECT FROM inbox) AND NOT EXISTS (SELECT FROM prior)),
      reserved AS (
        UPDATE stock_levels AS s SET quantity = s.quantity - r.quantity, version = s.version + 1, updated_at = now()
        FROM requested r
        WHERE s.product_id = r.product_id AND EXISTS (SELECT FROM decision WHERE outcome = 'RESERVED')
        RETURNING 1),
      recorded AS (
        INSERT INTO stock_decisions (order_id, outcome, event_id, payload, items)
        SELECT $5::uuid, outcome, $10::uuid, payload,
               CASE WHEN outcome = 'RESERVED'
                 THEN (SELECT jsonb_agg(jsonb_build_object('productId', product_id, 'quantity', quantity)) FROM requested)
                 ELSE '[]'::jsonb END
        FROM decision
        RETURNING pg_notify('${COPY_APPLIED_CHANNEL}', $11)),
      announced AS (${outboxAppend(`SELECT $10::uuid, ${announcement}, $6::text, 1, payload, $9::jsonb FROM decision`)})`,
    outcome: `CASE WHEN EXISTS (SELECT FROM prior) THEN 'stale' ELSE 'applied' END`,
    values: [
      orderId,
      orderId,
      [...requested.keys()],
      [...requested.values()],
      outboxTraceContext(),
      randomUUID(),
      `${stockDecisionCopy} ${orderId} 1`,
    ],
  };
}

/** Reads waiting on this order's decision (a consistency token names the order) wake at commit. */
export const stockDecisionCopy = 'inventory.stockDecision';
