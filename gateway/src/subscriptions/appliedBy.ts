import { type EventBusOptions, type EventType, queueName, type Subscriber } from '@msd/events';
import { Queue, QueueEvents } from 'bullmq';
import { LRUCache } from 'lru-cache';

/** Job ids whose end this gateway has seen, per queue: enough for the events of the last minutes. */
const REMEMBERED = 20_000;

/** A queue's listener with no wait for this long is closed (a new wait starts it again). */
const IDLE_MS = 60_000;

/**
 * Waits until services have applied an event: an event reaches the gateway when it reaches the
 * services that apply it (StockReserved: the order service sets CONFIRMED), so a payload read at
 * once may come before the change. Each consumer's job carries the event id, and BullMQ writes the
 * end of every job (completed, or failed for good: parked) to its queue's event stream. A
 * `QueueEvents` per (event, service) reads that stream while subscriptions wait on the queue, so a
 * wait ends when the job's end arrives, with nothing polled while waiting. It starts when a
 * subscription opens (`listen`) or at the first wait, reading from a second before (a job that
 * ended meanwhile is still seen), and stops after a minute without a wait: a gateway nobody
 * subscribes to reads nothing.
 *
 * The relay adds an event to its queues side by side, so the gateway's event may arrive before the
 * service's job is added: a job that is not in its queue (yet) is waited for in the same way, but at
 * most `unseenMs` (a job that ended and was removed before the listener started is gone as well).
 * Every wait gives up after `timeoutMs` (a consumer down, Redis down: the payload is read then).
 */
export function appliedBy(
  bus: EventBusOptions,
  pairs: readonly { event: EventType; service: Subscriber }[],
  options: { timeoutMs?: number; unseenMs?: number } = {},
) {
  const names = new Set(pairs.map(({ event, service }) => queueName(event, service)));
  const watched = new Map<
    string,
    {
      queue: Queue;
      events: QueueEvents;
      ended: LRUCache<string, true>;
      waiters: Map<string, Set<() => void>>;
      usedAt: number;
    }
  >();
  const closeEntry = (name: string) => {
    const entry = watched.get(name);
    watched.delete(name);
    return Promise.all([entry?.queue.close(), entry?.events.close()]);
  };
  const sweep = setInterval(() => {
    for (const [name, entry] of watched)
      if (entry.waiters.size === 0 && Date.now() - entry.usedAt > IDLE_MS) void closeEntry(name);
  }, IDLE_MS / 2);
  sweep.unref();

  const watch = (name: string) => {
    const existing = watched.get(name);
    if (existing) return existing;
    const queue = new Queue(name, {
      connection: { ...bus.connection, maxRetriesPerRequest: 1 },
      prefix: bus.prefix,
    });
    const events = new QueueEvents(name, {
      connection: bus.connection,
      prefix: bus.prefix,
      lastEventId: `${Date.now() - 1_000}-0`,
    });
    const ended = new LRUCache<string, true>({ max: REMEMBERED });
    const waiters = new Map<string, Set<() => void>>();
    const end = ({ jobId }: { jobId: string }) => {
      ended.set(jobId, true);
      for (const done of waiters.get(jobId) ?? []) done();
      waiters.delete(jobId);
    };
    events.on('completed', end);
    events.on('failed', end);
    // Redis down: the listener reconnects by itself and waits end at their deadline.
    events.on('error', () => {});
    queue.on('error', () => {});
    const entry = { queue, events, ended, waiters, usedAt: Date.now() };
    watched.set(name, entry);
    return entry;
  };

  const waitFor = async (id: string, name: string, deadline: number): Promise<void> => {
    if (!names.has(name)) return;
    const entry = watch(name);
    entry.usedAt = Date.now();
    if (entry.ended.has(id)) return;
    let timer: NodeJS.Timeout | undefined;
    let done!: () => void;
    const ended = new Promise<void>((resolve) => {
      done = resolve;
    });
    const waiters = entry.waiters.get(id) ?? new Set();
    entry.waiters.set(id, waiters.add(done));
    try {
      const state = await entry.queue.getJobState(id).catch(() => 'unknown');
      if (state === 'completed' || state === 'failed') return;
      const until =
        state === 'unknown' ? Math.min(deadline, Date.now() + (options.unseenMs ?? 2_000)) : deadline;
      await Promise.race([
        ended,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, until - Date.now()))),
      ]);
    } finally {
      clearTimeout(timer);
      waiters.delete(done);
      if (waiters.size === 0 && entry.waiters.get(id) === waiters) entry.waiters.delete(id);
    }
  };

  return {
    /** Starts every listener now (a subscription opened): the first wait does not wait for a connection. */
    listen() {
      for (const name of names) watch(name).usedAt = Date.now();
    },
    /** Resolves once every one of these services has applied the event, or at the deadline. */
    async wait(event: { id: string; type: EventType }, services: readonly Subscriber[]): Promise<void> {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      await Promise.all(
        services.map((service) => waitFor(event.id, queueName(event.type, service), deadline)),
      );
    },
    async close() {
      clearInterval(sweep);
      await Promise.all([...watched.keys()].map(closeEntry));
    },
  };
}
