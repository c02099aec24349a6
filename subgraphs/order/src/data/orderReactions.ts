import { appendToOutbox, reactionsRepaired } from '@msd/events';
import type { Logger } from '@msd/service-kit';
import type { OrderReactionServices } from '../orderReactionServices.ts';
import type { OrderDatabase } from './database.ts';
import { orderCreated } from './orders.ts';

/** Unsettled orders placed more than `deadlineMs` ago, in id order after `afterId`: the anti-entropy's batches. */
export async function listOverdueOrders(
  db: OrderDatabase,
  deadlineMs: number,
  afterId: string | undefined,
  limit: number,
): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM orders
    WHERE settled_at IS NULL AND created_at < now() - ${deadlineMs} * interval '1 millisecond'
      AND (${afterId ?? null}::uuid IS NULL OR id > ${afterId ?? null}::uuid)
    ORDER BY id LIMIT ${limit}`;
  return rows.map((row) => row.id);
}

/** The reactions of these orders as inventory and shipping see them (read through their APIs). */
export interface OrderReactionState {
  id: string;
  decision: string | undefined;
  shipment: string | undefined;
}

export async function readOrderReactions(
  services: OrderReactionServices,
  orderIds: string[],
): Promise<Map<string, OrderReactionState>> {
  const [decisions, shipments] = await Promise.all([
    services.stockDecisions(orderIds),
    services.shipmentStatuses(orderIds),
  ]);
  return new Map(
    orderIds.map((id) => [id, { id, decision: decisions.get(id), shipment: shipments.get(id) }]),
  );
}

/**
 * Anti-entropy for the order flow's reactions. For each overdue order, whatever is missing is
 * driven on, with the same event ids as the first time, so every inbox recognises what it applied:
 * - PLACED, inventory decided: the decision is applied here (only from PLACED);
 * - PLACED, inventory never saw it: OrderCreated is sent again;
 * - CONFIRMED without a shipment: OrderCreated is sent again (shipping opens one; inventory's inbox drops it);
 * - REJECTED with a shipment not CANCELLED (or none): inventory announces its StockRejected again.
 * An order whose reactions are all complete is settled and never looked at again. Returns the repairs.
 */
export async function driveOrderReactions(
  db: OrderDatabase,
  services: OrderReactionServices,
  states: OrderReactionState[],
  logger: Logger,
): Promise<number> {
  if (states.length === 0) return 0;
  const orders = await db.order.findMany({
    where: { id: { in: states.map((s) => s.id) }, settledAt: null },
    select: { id: true, status: true },
  });
  const byId = new Map(states.map((s) => [s.id, s]));
  const resendOrderCreated: string[] = [];
  const resendDecision: string[] = [];
  const settle: string[] = [];
  let repaired = 0;
  const count = (repair: string, n = 1) => {
    reactionsRepaired.inc({ reaction: 'order', repair }, n);
    repaired += n;
  };
  for (const order of orders) {
    const state = byId.get(order.id);
    if (!state) continue;
    let status = order.status;
    if (status === 'PLACED') {
      if (!state.decision) {
        resendOrderCreated.push(order.id);
        continue;
      }
      const decided = state.decision === 'RESERVED' ? 'CONFIRMED' : 'REJECTED';
      const { count: moved } = await db.order.updateMany({
        where: { id: order.id, status: 'PLACED' },
        data: { status: decided },
      });
      if (moved === 0) continue; // moved on meanwhile: the next run sees where it is
      count('stock-decision-applied');
      status = decided;
    }
    if (status === 'CONFIRMED' && !state.shipment) resendOrderCreated.push(order.id);
    else if (status === 'REJECTED' && state.shipment !== 'CANCELLED') resendDecision.push(order.id);
    else settle.push(order.id);
  }
  for (const id of resendOrderCreated) await resendOrderCreatedEvent(db, id);
  if (resendOrderCreated.length > 0) count('order-created-resent', resendOrderCreated.length);
  if (resendDecision.length > 0) {
    await services.resendStockDecisions(resendDecision);
    count('stock-decision-resent', resendDecision.length);
  }
  if (settle.length > 0) {
    await db.order.updateMany({
      where: { id: { in: settle }, settledAt: null },
      data: { settledAt: new Date() },
    });
  }
  if (repaired > 0) {
    logger.warn('order reactions driven on', {
      orderCreatedResent: resendOrderCreated.length,
      stockDecisionResent: resendDecision.length,
      settled: settle.length,
    });
  }
  return repaired;
}

/** Sends the order's OrderCreated again, with its own id (the order's), as it was first announced. */
async function resendOrderCreatedEvent(db: OrderDatabase, orderId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const order = await tx.order.findUnique({
      where: { id: orderId },
      include: { items: { orderBy: { position: 'asc' } } },
    });
    if (!order) return;
    await appendToOutbox(tx, orderCreated(order.id, order.customerId, order.items));
  });
}

/** Orders whose reactions are not complete, and those of them past the deadline. */
export async function countUnsettledOrders(
  db: OrderDatabase,
  deadlineMs: number,
): Promise<{ pending: number; overdue: number }> {
  const [row] = await db.$queryRaw<{ pending: bigint; overdue: bigint }[]>`
    SELECT count(*) AS pending,
           count(*) FILTER (WHERE created_at < now() - ${deadlineMs} * interval '1 millisecond') AS overdue
    FROM orders WHERE settled_at IS NULL`;
  return { pending: Number(row?.pending ?? 0), overdue: Number(row?.overdue ?? 0) };
}
