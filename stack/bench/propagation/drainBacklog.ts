/**
 * The consumer alone: its queue paused while a backlog of product updates is written (closed loop,
 * as fast as the product service accepts) and published, then resumed and timed until every copy
 * is current; the product service and relay are idle meanwhile. Copy updates/s is what the order
 * consumer sustains when nothing else holds it back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import {
  type BenchRun,
  closedLoop,
  cpuBetween,
  type LoadStats,
  loadFigures,
  logger,
  poll,
  round,
} from '../harness/index.ts';
import type { EventPathProbes } from './eventPathProbes.ts';
import { updated } from './productUpdates.ts';

export interface DrainOptions {
  probes: EventPathProbes;
  /** The consumer's queue, `ProductUpdated.order`. */
  queue: Queue;
  /** The product service's GraphQL URL and the headers that call it as a service. */
  productUrl: string;
  headers: Record<string, string>;
  nextUpdate: () => string;
  updates: number;
  connections: number;
  rowsPerProduct: number;
  requestTimeoutMs: number;
}

export async function drainBacklog(run: BenchRun, options: DrainOptions) {
  const { probes: p, queue, rowsPerProduct } = options;
  logger.info('drain', { updates: options.updates, rowsPerProduct });
  await queue.pause();
  try {
    const writeStart = p.cpu.snapshot();
    let outboxMax = 0;
    let writing = true;
    const sampler = (async () => {
      while (writing) {
        outboxMax = Math.max(outboxMax, await p.outboxBacklog());
        await sleep(200);
      }
    })();
    let writes: LoadStats;
    try {
      writes = await closedLoop({
        url: options.productUrl,
        connections: options.connections,
        amount: options.updates,
        body: options.nextUpdate,
        headers: options.headers,
        check: updated,
        timeoutMs: options.requestTimeoutMs,
        signal: run.signal,
      });
    } finally {
      writing = false;
      await sampler;
    }
    const writeEnd = p.cpu.snapshot();
    const published = await poll(
      () => Promise.all([p.outboxBacklog(), p.queueCounts()]),
      ([outbox, queued]) => outbox === 0 && queued.waiting >= writes.ok,
      { intervalMs: 100, timeoutMs: 30_000, signal: run.signal },
    );
    if (!published.met) throw new Error(`backlog not published: outbox ${published.value[0]}`);
    const before = await p.snapshot();
    await queue.resume();
    const convergence = await p.convergence();
    const after = await p.snapshot();
    const drained = await p.appliedSince(before.dbTime);
    const applied = after.applied - before.applied;
    const span = Math.max(drained.span, 0.001);
    return {
      writes: {
        ...loadFigures(writes),
        outboxBacklogMaxWhileWriting: outboxMax,
        outboxEmptyAfterWritesMs: round(published.elapsedMs, 0),
        cpu: cpuBetween(writeStart, writeEnd),
      },
      drain: {
        queuedAtResume: before.queue,
        eventsRecorded: drained.n,
        eventsApplied: applied,
        eventsStale: after.stale - before.stale,
        firstAppliedAt: drained.first,
        lastAppliedAt: drained.last,
        seconds: round(span, 3),
        eventsPerSecond: round((drained.n - 1) / span, 0),
        copyUpdatesPerSecond: round((applied * rowsPerProduct) / span, 0),
        convergence,
        cpu: cpuBetween(before.cpu, after.cpu),
      },
    };
  } finally {
    await queue.resume().catch(() => {});
  }
}
