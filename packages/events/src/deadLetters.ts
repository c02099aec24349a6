import { Queue } from 'bullmq';
import { deliveryOptions } from './deliveryOptions.ts';
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

export async function listDeadLetters(bus: EventBusOptions, queue?: string): Promise<DeadLetter[]> {
  const dlq = deadLetterQueue(bus);
  try {
    const jobs = await dlq.getJobs(['waiting'], 0, -1, true);
    return jobs
      .filter((job) => !queue || job.data.queue === queue)
      .map((job) => ({ id: job.id ?? '', ...job.data }));
  } finally {
    await dlq.close();
  }
}

/**
 * Re-drives parked events into the queues they came from (all, or those whose entry id, event id
 * or queue matches `filter`), as new jobs with full retries. The consumers' inboxes make a replay
 * of an event that was in fact applied harmless. Returns the entries replayed.
 */
export async function replayDeadLetters(bus: EventBusOptions, filter?: string): Promise<DeadLetter[]> {
  const dlq = deadLetterQueue(bus);
  const targets = new Map<string, Queue>();
  try {
    const replayed: DeadLetter[] = [];
    for (const job of await dlq.getJobs(['waiting'], 0, -1, true)) {
      const entry = { id: job.id ?? '', ...job.data };
      if (filter && ![entry.id, entry.queue, entry.event.id].includes(filter)) continue;
      let target = targets.get(entry.queue);
      if (!target) {
        target = new Queue(entry.queue, { connection: bus.connection, prefix: bus.prefix });
        targets.set(entry.queue, target);
      }
      await target.add(String(entry.event.type ?? 'event'), entry.event, {
        ...deliveryOptions,
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
