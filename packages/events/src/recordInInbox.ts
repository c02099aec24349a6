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

/**
 * The inbox as the first CTE of a plain-SQL effect (`EffectStatement`): `inbox` holds a row when
 * the event was recorded now, none when this consumer had it already. Parameters: $1 event id,
 * $2 consumer, $3 event type, $4 occurredAt.
 */
export const INBOX_CTE = `inbox AS (
    INSERT INTO processed_events (event_id, consumer, event_type, lag_ms)
    VALUES ($1::uuid, $2, $3, extract(epoch FROM clock_timestamp() - $4::timestamptz) * 1000)
    ON CONFLICT DO NOTHING RETURNING 1)`;
