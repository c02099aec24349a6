import { appendToOutbox } from '@msd/events';
import type { Prisma } from './generated/client.ts';

/**
 * Announces again, with the same event ids, the decisions taken for these orders (those that have
 * one): every subscriber's inbox recognises what it already applied. Returns how many.
 */
export async function resendStockDecisions(
  tx: Prisma.TransactionClient,
  orderIds: readonly string[],
): Promise<number> {
  const decisions = await tx.$queryRaw<
    { order_id: string; outcome: string; event_id: string; payload: Record<string, unknown> }[]
  >`SELECT order_id::text, outcome, event_id::text, payload FROM stock_decisions WHERE order_id = ANY(${[...orderIds]}::uuid[])`;
  for (const decision of decisions) {
    await appendToOutbox(tx, {
      id: decision.event_id,
      type: decision.outcome === 'RESERVED' ? 'StockReserved' : 'StockRejected',
      aggregateId: decision.order_id,
      version: 1,
      payload: decision.payload as never,
    });
  }
  return decisions.length;
}

/** The decision taken for each of these orders, where one was: what the order service's anti-entropy asks. */
export async function findStockDecisions(
  db: Prisma.TransactionClient,
  orderIds: readonly string[],
): Promise<{ orderId: string; outcome: string }[]> {
  return db.$queryRaw<{ orderId: string; outcome: string }[]>`
    SELECT order_id::text AS "orderId", outcome FROM stock_decisions WHERE order_id = ANY(${[...orderIds]}::uuid[])`;
}
