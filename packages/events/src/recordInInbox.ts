import type { SqlTransaction } from './appendToOutbox.ts';
import type { EventEnvelope } from './contracts.ts';

/**
 * Records an event in the consumer's inbox, inside the transaction that applies its effect.
 * Returns false when this consumer has already applied the event: the caller then changes nothing,
 * which is what makes at-least-once delivery safe. The lag from the owner's commit is kept for
 * the replication status.
 */
export async function recordInInbox(
  tx: SqlTransaction,
  event: EventEnvelope,
  consumer: string,
): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO processed_events (event_id, consumer, event_type, lag_ms)
    VALUES (${event.id}::uuid, ${consumer}, ${event.type},
            extract(epoch FROM clock_timestamp() - ${event.occurredAt}::timestamptz) * 1000)
    ON CONFLICT DO NOTHING`;
  return inserted === 1;
}
