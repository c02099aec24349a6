import { badUserInput, notFound, serviceUnavailable } from '@msd/service-kit';
import type { EventType } from './contracts.ts';
import {
  countDeadLettersByQueue,
  type DeadLetter,
  listDeadLetters,
  replayDeadLetters,
} from './deadLetters.ts';
import { type EventBusOptions, failFast } from './redisConnection.ts';
import { queueName, type Subscriber, subscriptions } from './subscriptions.ts';

/** A dead-letter entry as the API shows it (`ParkedEvent` in the SDL). */
interface ParkedEvent {
  id: string;
  eventId: string | null;
  aggregateId: string | null;
  version: number | null;
  reason: string;
  attempts: number;
  parkedAt: string;
}

const MAX_FIRST = 500;
const REDIS_DEADLINE_MS = 5_000;

/** Every consumer queue of the bus, the gateway's too: `ProductUpdated.order` → its event and subscriber. */
const knownQueues = new Map<string, { event: EventType; subscriber: Subscriber }>(
  (Object.entries(subscriptions) as [EventType, readonly Subscriber[]][]).flatMap(([event, subscribers]) =>
    subscribers.map((subscriber) => [queueName(event, subscriber), { event, subscriber }] as const),
  ),
);

/**
 * The operator's API to the dead-letter queue (`Query.parkedEvents`, `Mutation.replayParkedEvents`),
 * written once here and mounted by every service that consumes events. The dead-letter queue is one
 * for the whole bus, so each of them answers for every queue, the gateway's included; which one
 * answers is the gateway's query plan. Without a bus (`bus` undefined) both fail SERVICE_UNAVAILABLE.
 * Redis calls fail at once when Redis is down and within 5 s when it hangs, so a request never waits for it.
 * Scopes (`operator`) are enforced by the gateway from the SDL's `@requiresScopes`.
 */
export function parkedEventResolvers(bus: EventBusOptions | undefined) {
  const failingFast: EventBusOptions | undefined = bus && {
    prefix: bus.prefix,
    keys: bus.keys,
    connection: {
      ...failFast(bus.connection, REDIS_DEADLINE_MS),
      // Each request opens its own connection: with Redis down it ends now instead of retrying.
      retryStrategy: () => null,
    },
  };
  const onBus = async <T>(work: (bus: EventBusOptions) => Promise<T>): Promise<T> => {
    if (!failingFast)
      throw serviceUnavailable('event bus', 'this instance runs without events (no event bus configured)');
    let timer: NodeJS.Timeout | undefined;
    // BullMQ waits for a connection before its first command, which no command timeout bounds.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${REDIS_DEADLINE_MS} ms`)),
        REDIS_DEADLINE_MS,
      );
    });
    const running = work(failingFast);
    running.catch(() => {}); // a failure after the deadline has nobody left to tell
    try {
      return await Promise.race([running, deadline]);
    } catch (error) {
      throw serviceUnavailable('event bus', `Redis did not answer (${(error as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    Query: {
      parkedEvents: async (_: unknown, args: { queue?: string | null; first?: number | null }) => {
        const first = args.first ?? 50;
        if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST)
          throw badUserInput(`first must be between 1 and ${MAX_FIRST}`, { field: 'first' });
        if (args.queue) knownQueue(args.queue);
        return onBus(async (redis) => {
          const counts = await countDeadLettersByQueue(redis);
          const queues = args.queue ? [args.queue] : [...knownQueues.keys()].filter((q) => counts.has(q));
          return Promise.all(
            queues.map(async (queue) => ({
              queue,
              ...knownQueue(queue),
              count: counts.get(queue) ?? 0,
              events: (await listDeadLetters(redis, queue, { limit: first })).map(parkedEvent),
            })),
          );
        });
      },
    },
    Mutation: {
      replayParkedEvents: async (_: unknown, { queue, id }: { queue: string; id?: string | null }) => {
        knownQueue(queue);
        const replayed = await onBus((redis) => replayDeadLetters(redis, { queue, id: id ?? undefined }));
        if (id && replayed.length === 0)
          throw notFound(`No event parked from ${queue} has the entry id "${id}"`, { field: 'id' });
        return { queue, replayed: replayed.map(parkedEvent) };
      },
    },
  };
}

function knownQueue(queue: string) {
  const known = knownQueues.get(queue);
  if (!known)
    throw badUserInput(
      `Unknown queue "${queue}": queues are <Event>.<subscriber>, e.g. ProductUpdated.order`,
      {
        field: 'queue',
      },
    );
  return known;
}

function parkedEvent(entry: DeadLetter): ParkedEvent {
  const { id, aggregateId, version } = entry.event;
  return {
    id: entry.id,
    eventId: typeof id === 'string' ? id : null,
    aggregateId: typeof aggregateId === 'string' ? aggregateId : null,
    version: Number.isInteger(version) ? (version as number) : null,
    reason: entry.error,
    attempts: entry.attempts,
    parkedAt: entry.parkedAt,
  };
}
