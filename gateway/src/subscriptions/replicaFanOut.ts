import type { EventBusOptions, EventEnvelope } from '@msd/events';
import type { BackgroundProcess, Logger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** Entries kept in the stream: a replica cut off from Redis for longer than this many events misses the oldest. */
const STREAM_LENGTH = 10_000;

/**
 * Every gateway replica sees every event once. The bus gives each (event, subscriber) one BullMQ
 * queue, which the replicas share as competing consumers: exactly one replica takes each event
 * (right for the entity cache, which lives in Redis). For subscriptions, that replica appends the
 * event to one Redis stream (`forward`), and each replica reads the whole stream from its own
 * cursor (`reader`): a queue of its own per replica without the publishers knowing the replicas.
 * A redelivered job appends an event twice; each replica drops an event id it has seen.
 * Redis down: `forward` fails and BullMQ retries the job; a reader retries every second from its
 * cursor, so events appended meanwhile still arrive, in order, once Redis answers.
 */
export function replicaFanOut(bus: EventBusOptions, logger: Logger) {
  const stream = `${bus.prefix}:gateway:subscription-events`;
  let writer: Redis | undefined;
  const forward = async (event: EventEnvelope): Promise<void> => {
    if (!writer) {
      writer = new Redis({ ...bus.connection, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
      writer.on('error', () => {}); // the job fails and is retried; BullMQ logs the outage
    }
    await writer.xadd(stream, 'MAXLEN', '~', String(STREAM_LENGTH), '*', 'event', JSON.stringify(event));
  };

  const reader = (deliver: (event: EventEnvelope) => void): BackgroundProcess => {
    let client: Redis | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;
    const seen = new LRUCache<string, true>({ max: STREAM_LENGTH });
    const read = async (redis: Redis) => {
      // Only events appended from now on: this replica's subscribers start now.
      let cursor = '$';
      let failures = 0;
      while (!stopped) {
        try {
          if (cursor === '$') {
            const [last] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
            cursor = last?.[0] ?? '0-0';
          }
          const answer = (await redis.xread('COUNT', 500, 'BLOCK', 5_000, 'STREAMS', stream, cursor)) as
            | [string, [string, string[]][]][]
            | null;
          failures = 0;
          for (const [id, fields] of answer?.[0]?.[1] ?? []) {
            cursor = id;
            const event = JSON.parse(fields[1] ?? 'null') as EventEnvelope | null;
            if (!event || seen.has(event.id)) continue;
            seen.set(event.id, true);
            deliver(event);
          }
        } catch (error) {
          if (stopped) return;
          if (failures++ % 30 === 0) logger.warn('subscription events cannot be read from Redis', { error });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    };
    return {
      async start() {
        stopped = false;
        client = new Redis({ ...bus.connection, maxRetriesPerRequest: 1 });
        client.on('error', () => {});
        running = read(client);
      },
      async stop() {
        stopped = true;
        client?.disconnect(); // ends the blocking read now
        await running;
        await writer?.quit().catch(() => writer?.disconnect());
        writer = undefined;
      },
    };
  };
  return { stream, forward, reader };
}
