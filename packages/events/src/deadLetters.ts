import { Queue } from 'bullmq';
import { deliveryOptionsOf } from './deliveryOptions.ts';
import type { EventBusOptions } from './redisConnection.ts';

export const DEAD_LETTER_QUEUE = 'dead-letter';

export interface DeadLetter {
  /** Id of the dead-letter entry (`<queue>.<job id>`). */
  id: string;
  /** The consumer queue the event was parked from, and is replayed into. */
  queue: string;
  event: { id?: string; type?: string; aggregateId?: string; version?: number } & Record<string, unknown>;
  error: string;
  attempts: number;
  parkedAt: string;
}

/**
 * The dead-letter queue is a parking lot, not a work queue: no worker takes from it. Entries wait
 * there, with their error, until someone lists them and replays them into their original queue.
 */
export function deadLetterQueue(bus: EventBusOptions): Queue<Omit<DeadLetter, 'id'>> {
  return new Queue(DEAD_LETTER_QUEUE, { connection: bus.connection, prefix: bus.prefix });
}

const PAGE = 500;

/**
 * Parked entries, oldest first: all, or those from one queue; at most `limit` (default all) after
 * skipping `offset` matching ones. Read 500 at a time, so a large dead-letter queue is never loaded
 * into memory at once unless asked for whole.
 */
export async function listDeadLetters(
  bus: EventBusOptions,
  queue?: string,
  page: { offset?: number; limit?: number } = {},
): Promise<DeadLetter[]> {
  const dlq = shortLived(deadLetterQueue(bus));
  const limit = page.limit ?? Number.POSITIVE_INFINITY;
  let skip = page.offset ?? 0;
  const found: DeadLetter[] = [];
  try {
    for (let start = 0; found.length < limit; start += PAGE) {
      const jobs = await dlq.getJobs(['waiting'], start, start + PAGE - 1, true);
      for (const job of jobs) {
        if (queue && job.data.queue !== queue) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        if (found.length < limit) found.push({ id: job.id ?? '', ...job.data });
      }
      if (jobs.length < PAGE) break;
    }
    return found;
  } finally {
    await dlq.close();
  }
}

/**
 * How many entries were parked from `queue`: entry ids are `<queue>.<job id>`, so only the ids of
 * the waiting list are read (1,000 per call), never the entries. What `replicationStatus` shows.
 */
export async function countDeadLetters(bus: EventBusOptions, queue: string): Promise<number> {
  return (await countDeadLettersByQueue(bus)).get(queue) ?? 0;
}

/**
 * Entries parked per queue, in one pass over the entry ids (`<Event>.<subscriber>.<job id>`, so the
 * queue is their first two segments); queues with nothing parked are absent.
 */
export async function countDeadLettersByQueue(bus: EventBusOptions): Promise<Map<string, number>> {
  const dlq = shortLived(deadLetterQueue(bus));
  try {
    const client = await dlq.getBackend().client;
    const counts = new Map<string, number>();
    for (let start = 0; ; start += 1_000) {
      const ids = await client.lrange(dlq.keys.wait ?? '', start, start + 999);
      for (const id of ids) {
        const queue = id.split('.', 2).join('.');
        counts.set(queue, (counts.get(queue) ?? 0) + 1);
      }
      if (ids.length < 1_000) return counts;
    }
  } finally {
    await dlq.close();
  }
}

/**
 * Re-drives parked events into the queues they came from (all, or those whose entry id, event id
 * or queue matches `filter`; or, given `{ queue, id? }`, the entry `id` of that queue or all of it),
 * as new jobs with full retries. The consumers' inboxes make a replay of an event that was in fact
 * applied harmless. Returns the entries replayed.
 */
export async function replayDeadLetters(
  bus: EventBusOptions,
  filter?: string | { queue: string; id?: string | undefined },
): Promise<DeadLetter[]> {
  const matches = (job: { id?: string | undefined; data: Omit<DeadLetter, 'id'> }) =>
    filter === undefined ||
    (typeof filter === 'string'
      ? [job.id, job.data.queue, job.data.event.id].includes(filter)
      : job.data.queue === filter.queue && (filter.id === undefined || job.id === filter.id));
  const dlq = shortLived(deadLetterQueue(bus));
  const targets = new Map<string, Queue>();
  try {
    const replayed: DeadLetter[] = [];
    // The matching entries are collected page by page first: removing while paging would shift the offsets.
    const jobs: Awaited<ReturnType<typeof dlq.getJobs>> = [];
    for (let start = 0; ; start += PAGE) {
      const page = await dlq.getJobs(['waiting'], start, start + PAGE - 1, true);
      jobs.push(...page.filter(matches));
      if (page.length < PAGE) break;
    }
    for (const job of jobs) {
      const entry = { id: job.id ?? '', ...job.data };
      let target = targets.get(entry.queue);
      if (!target) {
        target = shortLived(new Queue(entry.queue, { connection: bus.connection, prefix: bus.prefix }));
        targets.set(entry.queue, target);
      }
      await target.add(String(entry.event.type ?? 'event'), entry.event, {
        ...deliveryOptionsOf(bus),
        jobId: `${entry.event.id ?? 'event'}.replay.${Date.now()}`,
      });
      await job.remove();
      replayed.push(entry);
    }
    return replayed;
  } finally {
    await Promise.all([dlq.close(), ...[...targets.values()].map((q) => q.close())]);
  }
}

/**
 * A queue opened for one call: its connection errors reach the caller as the call's rejection, so
 * they are not also printed (BullMQ prints an error event nobody listens to).
 */
function shortLived<T extends Queue>(queue: T): T {
  queue.on('error', () => {});
  return queue;
}
