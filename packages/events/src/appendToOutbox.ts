import { randomUUID } from 'node:crypto';
import type { EventPayload, EventType } from './contracts.ts';
import { captureTraceContext } from './traceContext.ts';

/** The slice of a Prisma client (or transaction) the event machinery needs; every service's client fits. */
export interface SqlTransaction {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): Promise<number>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** A service's Prisma transaction client: its type is generated per service, so it is open here. */
// biome-ignore lint/suspicious/noExplicitAny: each service's generated client has its own transaction type
export type TransactionClient = any;

/** A Prisma client that can open an interactive transaction. */
export interface TransactionalDatabase {
  $transaction<R>(fn: (tx: TransactionClient) => Promise<R>): Promise<R>;
}

export const OUTBOX_CHANNEL = 'outbox';

/**
 * Writes an event into the service's outbox inside the caller's transaction: the change and its
 * announcement commit together or not at all. The NOTIFY is delivered on commit and wakes the
 * relay at once; a relay that missed it finds the row on its next poll.
 *
 * One-off facts pass their own `id` (OrderCreated uses the order's id): appending such an event
 * again re-sends the same event (the row becomes unpublished), so consumers' inboxes recognise it.
 * That is how anti-entropy re-announces a fact without ever creating a second one.
 */
export async function appendToOutbox<T extends EventType>(
  tx: SqlTransaction,
  event: { id?: string; type: T; aggregateId: string; version: number; payload: EventPayload<T> },
): Promise<string> {
  const id = event.id ?? randomUUID();
  await tx.$executeRaw`
    INSERT INTO outbox_events (id, type, aggregate_id, version, payload, trace_context)
    VALUES (${id}::uuid, ${event.type}, ${event.aggregateId}, ${event.version}, ${JSON.stringify(event.payload)}::jsonb,
            ${outboxTraceContext()}::jsonb)
    ON CONFLICT (id) DO UPDATE SET published_at = NULL`;
  await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
  return id;
}

/** The active trace as an outbox row stores it (JSON text), null outside a trace or with tracing off. */
export function outboxTraceContext(): string | null {
  const trace = captureTraceContext();
  return trace ? JSON.stringify(trace) : null;
}
