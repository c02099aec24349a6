/**
 * What an update costs as its copies multiply: `products` products, each copied into `copies` order
 * items, for each number of copies in turn. Per level: the lag of the copies behind `updateProduct`
 * at a steady rate (open loop), and the copy updates/s the order consumer sustains draining a backlog
 * (its queue paused while the updates are written and published, then resumed: the consumer alone).
 * STRONG against EVENTUAL renames are the trade-offs run's (`npm run bench`).
 */ import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICE_TOKEN_HEADER } from '@msd/service-kit';
import { benchCredential } from '../gateway/benchSubgraphHeaders.ts';
import * as harness from '../harness/index.ts';
import { answered } from '../reads.ts';
import { reseedCopies } from './reseed.ts';

export interface CopiesConfig {
  copies: readonly number[];
  products: number;
  lagRate: number;
  lagSeconds: number;
  /** Copy rows the drain rewrites at each level: updates = drainRows / copies (at least 2 per product). */
  drainRows: number;
}

const requestTimeoutMs = 10_000;
const convergeTimeoutMs = 120_000;

const updated = answered('updateProduct');

export async function measureCopiesGrowth(
  run: harness.BenchRun,
  bench: harness.BenchStack,
  cpu: harness.CpuMeter,
  config: CopiesConfig,
) {
  const productUrl = `http://127.0.0.1:${bench.stack.ports.product}/graphql`;
  // The product service is called as the gateway would: the updates' cost is the owner's, not the gateway's.
  const asService = { [SERVICE_TOKEN_HEADER]: benchCredential('product') };
  const probes = harness.eventPathProbes(run, bench, cpu, convergeTimeoutMs);
  const { queue } = probes;
  /** The consumer alone: its queue paused while the backlog is written and published, then resumed. */
  const drain = async (nextUpdate: () => string, updates: number, rowsPerProduct: number) => {
    harness.logger.info('drain', { updates, rowsPerProduct });
    await queue.pause();
    try {
      const writes = await harness.closedLoop({
        url: productUrl,
        connections: 16,
        amount: updates,
        body: nextUpdate,
        headers: asService,
        check: updated,
        timeoutMs: requestTimeoutMs,
        signal: run.signal,
      });
      const published = await harness.poll(
        () => Promise.all([probes.outboxBacklog(), probes.queueCounts()]),
        ([outbox, queued]) => outbox === 0 && queued.waiting >= writes.ok,
        { intervalMs: 100, timeoutMs: 30_000, signal: run.signal },
      );
      if (!published.met) throw new Error(`backlog not published: outbox ${published.value[0]}`);
      const before = await probes.snapshot();
      await queue.resume();
      const convergence = await probes.convergence();
      const after = await probes.snapshot();
      const drained = await probes.appliedSince(before.dbTime);
      const applied = after.applied - before.applied;
      const span = Math.max(drained.span, 0.001);
      return {
        writes: {
          ...harness.loadFigures(writes),
          outboxEmptyAfterWritesMs: harness.round(published.elapsedMs, 0),
        },
        drain: {
          queuedAtResume: before.queue,
          eventsRecorded: drained.n,
          eventsApplied: applied,
          eventsStale: after.stale - before.stale,
          seconds: harness.round(span, 3),
          eventsPerSecond: harness.round((drained.n - 1) / span, 0),
          copyUpdatesPerSecond: harness.round((applied * rowsPerProduct) / span, 0),
          convergence,
          cpu: harness.cpuBetween(before.cpu, after.cpu),
        },
      };
    } finally {
      await queue.resume().catch(() => {});
    }
  };

  const levels = [];
  for (const copies of config.copies) {
    const ids = await reseedCopies(bench.urls, config.products, copies);
    let seq = 0;
    /** `updateProduct(name)` round-robin over the products, a new name each time. */
    const nextUpdate = () =>
      JSON.stringify({
        query:
          'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { version } }',
        variables: { id: ids[seq % ids.length], name: `Product ${seq % ids.length} #${seq++}` },
      });
    /**
     * `rate` updates a second for `seconds`, each sent when due whatever became of the earlier ones
     * (open loop: a fixed rate of arrivals); resolves when every answer is in.
     */
    const updates = async (rate: number, seconds: number) => {
      const start = performance.now();
      const sent: Promise<boolean>[] = [];
      for (let i = 0; i < rate * seconds; i++) {
        await sleep(start + (i * 1000) / rate - performance.now(), undefined, { signal: run.signal });
        const answer = harness.post(productUrl, nextUpdate(), {
          headers: asService,
          timeoutMs: requestTimeoutMs,
        });
        sent.push(answer.then((a) => a.status === 200 && updated(a.body) === undefined).catch(() => false));
      }
      const ok = (await Promise.all(sent)).filter(Boolean).length;
      return { targetRate: rate, sent: sent.length, ok, okPerSecond: harness.round(ok / seconds) };
    };

    harness.logger.info('lag', { copies, rate: config.lagRate, seconds: config.lagSeconds });
    await updates(config.lagRate, Math.min(2, config.lagSeconds));
    await probes.convergence();
    const before = await probes.snapshot();
    const load = await updates(config.lagRate, config.lagSeconds);
    const end = await probes.dbNow();
    const convergence = await probes.convergence();
    const lag = {
      load,
      ...(await probes.lagBreakdown(before.dbTime, end)),
      convergedMs: convergence.elapsedMs,
      converged: convergence.converged,
    };
    const drained = await drain(
      nextUpdate,
      Math.max(2 * config.products, Math.round(config.drainRows / copies)),
      copies,
    );

    levels.push({ copies, lag, drain: drained });
    harness.logger.info('measured', {
      copies,
      lagP99: lag.lagMs.p99,
      copyUpdatesPerSecond: drained.drain.copyUpdatesPerSecond,
    });
  }
  return levels;
}

export type CopiesLevel = Awaited<ReturnType<typeof measureCopiesGrowth>>[number];
