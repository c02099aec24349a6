import { gateway } from '@msd/registry';
import type { ChainableCommander, Redis } from 'ioredis';
import { type EventEnvelope, type EventType, entityUpdates } from './contracts.ts';
import { UnverifiedEvent, verifyEvent } from './eventSignature.ts';
import { eventsUnverified } from './metrics.ts';
import type { EventBusOptions } from './redisConnection.ts';

/** Entries kept: a gateway replica cut off from Redis for longer than this many events misses the oldest. */
const STREAM_LENGTH = 10_000;

/**
 * The events the gateway follows only to push subscriptions: all it consumes but those that drop a
 * cached entity (`entityUpdates`). A subscription starts now and needs no backlog, so these travel
 * on one Redis stream that every gateway replica reads (`readGatewayStream`), appended by the
 * publishing relay with the batch's jobs: no job to add, take and finish per event, as a queue of
 * the gateway's would cost. The events that drop a cached entity keep their queue (`subscriptions`):
 * that must happen once, whichever replica is up, and before the event is pushed.
 */
export const streamedToGateway: ReadonlySet<EventType> = new Set(
  (gateway.consumes as readonly EventType[]).filter((event) => entityUpdates[event] === undefined),
);

/** The stream's key under the bus's prefix. */
export function gatewayStreamKey(prefix: string): string {
  return `${prefix}:gateway:subscription-events`;
}

/**
 * Appends signed events to the gateway's stream (trimmed to about `STREAM_LENGTH` entries), on a
 * client or inside a caller's pipeline.
 */
export function appendToGatewayStream(
  redis: Redis | ChainableCommander,
  prefix: string,
  event: EventEnvelope,
): Promise<string | null> | ChainableCommander {
  return redis.xadd(
    gatewayStreamKey(prefix),
    'MAXLEN',
    '~',
    String(STREAM_LENGTH),
    '*',
    'event',
    JSON.stringify(event),
  );
}

/**
 * Reads the gateway's stream after `cursor` (waiting up to 5 s for an entry) and hands each verified
 * event to `deliver`, in order; returns the cursor to read on from. From '$' (from now on), it
 * only returns the cursor of the stream's end. An entry that does not verify
 * (not signed with its producer's key: forged, or by a process without the key) is dropped,
 * counted in `events_unverified_total` and reported once per read through `onUnverified`.
 */
export async function readGatewayStream(
  redis: Redis,
  bus: EventBusOptions,
  cursor: string,
  deliver: (event: EventEnvelope) => void,
  onUnverified: (error: UnverifiedEvent) => void,
): Promise<string> {
  const stream = gatewayStreamKey(bus.prefix);
  if (cursor === '$') {
    // The last entry's id, read again from there next time: what is appended meanwhile is not missed.
    const [last] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return last?.[0] ?? '0-0';
  }
  let from = cursor;
  const answer = (await redis.xread('COUNT', 500, 'BLOCK', 5_000, 'STREAMS', stream, from)) as
    | [string, [string, string[]][]][]
    | null;
  let unverified: UnverifiedEvent | undefined;
  for (const [id, fields] of answer?.[0]?.[1] ?? []) {
    from = id;
    let event: EventEnvelope | null = null;
    try {
      event = JSON.parse(fields[1] ?? 'null') as EventEnvelope | null;
    } catch {} // not JSON: verifies as an event without a signature
    try {
      verifyEvent(event, bus.keys);
    } catch (error) {
      if (!(error instanceof UnverifiedEvent)) throw error;
      eventsUnverified.inc({ queue: stream });
      unverified = error;
      continue;
    }
    deliver(event as EventEnvelope);
  }
  if (unverified) onUnverified(unverified);
  return from;
}
