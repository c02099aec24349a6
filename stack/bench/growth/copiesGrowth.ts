/**
 * What a rename costs as its copies multiply: `products` products, each copied into `copies` order
 * items, for each number of copies in turn. Per level: the lag of the copies behind `updateProduct`
 * at a steady rate (open loop, as `propagation.ts` phase A), the copy updates/s the order consumer
 * sustains draining a backlog (`drainBacklog`, as its phase B(ii)), and `renameProduct` STRONG
 * against EVENTUAL on one product, alternating, one at a time (as `renames.ts`).
 */
import { type EventBusOptions, queueName } from '@msd/events';
import type { ServiceName } from '@msd/registry';
import { SERVICE_TOKEN_HEADER } from '@msd/service-kit';
import { Queue } from 'bullmq';
import pg from 'pg';
import { benchCredential } from '../gateway/benchSubgraphHeaders.ts';
import {
  type BenchRun,
  type CpuMeter,
  logger,
  OpenLoop,
  openLoopFigures,
  poster,
  round,
  type Summary,
  summarize,
} from '../harness/index.ts';
import { drainBacklog } from '../propagation/drainBacklog.ts';
import { eventPathProbes } from '../propagation/eventPathProbes.ts';
import { productUpdates, updated } from '../propagation/productUpdates.ts';
import { renameProbes } from '../renames/renameProbes.ts';
import { reseedCopies } from './reseed.ts';

export interface CopiesConfig {
  copies: readonly number[];
  products: number;
  lagRate: number;
  lagSeconds: number;
  /** Copy rows the drain rewrites at each level: updates = drainRows / copies (at least 2 per product). */
  drainRows: number;
  renames: number;
  renameWarmUp: number;
}

const requestTimeoutMs = 10_000;
const convergeTimeoutMs = 120_000;

export interface CopiesLevel {
  copies: number;
  lag: {
    load: ReturnType<typeof openLoopFigures>;
    lagMs: Summary;
    relayMs: Summary;
    deliveryMs: Summary;
    convergedMs: number;
    converged: boolean;
  };
  drain: Awaited<ReturnType<typeof drainBacklog>>;
  renames: {
    strongMs: Summary;
    eventualMs: Summary;
    /** EVENTUAL: from the call's return until every copy holds the name. */
    eventualConvergeMs: Summary;
    /** STRONG: copies holding another name when the call returned, over all calls (must be 0). */
    staleOnReturn: number;
  };
}

export async function measureCopiesGrowth(
  run: BenchRun,
  options: {
    config: CopiesConfig;
    gatewayUrl: string;
    ports: Record<string, number>;
    urls: Record<ServiceName, string>;
    bus: EventBusOptions;
    cpu: CpuMeter;
  },
): Promise<CopiesLevel[]> {
  const { config } = options;
  const productUrl = `http://127.0.0.1:${options.ports.product}/graphql`;
  const asService = { [SERVICE_TOKEN_HEADER]: benchCredential('product') };
  const productDb = new pg.Pool({ connectionString: options.urls.product, max: 3 });
  const orderDb = new pg.Pool({ connectionString: options.urls.order, max: 3 });
  const queue = new Queue(queueName('ProductUpdated', 'order'), {
    connection: options.bus.connection,
    prefix: options.bus.prefix,
  });
  const product = poster(productUrl, { headers: asService, timeoutMs: requestTimeoutMs });
  run.cleanup.add('closing the copies probes', async () => {
    product.close();
    await queue.close().catch(() => {});
    await Promise.all([productDb.end(), orderDb.end()]);
  });
  const probes = eventPathProbes({
    productDb,
    orderDb,
    queue,
    orderMetricsUrl: `http://127.0.0.1:${options.ports.order}/metrics`,
    cpu: options.cpu,
    convergeTimeoutMs,
    signal: run.signal,
  });
  const renames = renameProbes({
    gatewayUrl: options.gatewayUrl,
    orderDb,
    convergeTimeoutMs,
    signal: run.signal,
  });

  const levels: CopiesLevel[] = [];
  for (const copies of config.copies) {
    const ids = await reseedCopies(options.urls, config.products, copies);
    const nextUpdate = productUpdates(ids);
    const updates = new OpenLoop({
      send: () => product.post(nextUpdate()),
      check: updated,
      maxInFlight: 64,
      signal: run.signal,
    });

    logger.info('lag', { copies, rate: config.lagRate, seconds: config.lagSeconds });
    await updates.run(config.lagRate, Math.min(2, config.lagSeconds));
    await updates.settle();
    await probes.convergence();
    const before = await probes.snapshot();
    const stats = await updates.run(config.lagRate, config.lagSeconds);
    const end = await probes.dbNow();
    await updates.settle();
    const convergence = await probes.convergence();
    const breakdown = await probes.lagBreakdown(before.dbTime, end);
    const lag = {
      load: openLoopFigures(stats),
      lagMs: await probes.lag(before.dbTime, end),
      relayMs: breakdown.relayMs,
      deliveryMs: breakdown.deliveryMs,
      convergedMs: convergence.elapsedMs,
      converged: convergence.converged,
    };

    const drain = await drainBacklog(run, {
      probes,
      queue,
      productUrl,
      headers: asService,
      nextUpdate,
      updates: Math.max(2 * config.products, Math.round(config.drainRows / copies)),
      connections: 16,
      rowsPerProduct: copies,
      requestTimeoutMs,
    });

    logger.info('renames', { copies, renames: config.renames });
    const [id] = ids;
    if (!id) throw new Error('no product seeded');
    const samples = { STRONG: [] as number[], EVENTUAL: [] as number[] };
    const convergeMs: number[] = [];
    let staleOnReturn = 0;
    for (let i = -config.renameWarmUp; i < config.renames; i++) {
      for (const consistency of ['STRONG', 'EVENTUAL'] as const) {
        const name = `${consistency} ${copies} #${i}`;
        const { response, latencyMs, returnedAt } = await renames.rename(id, name, consistency);
        if (response.errors) throw new Error(`rename failed: ${JSON.stringify(response.errors)}`);
        const named = consistency === 'STRONG' ? await renames.copiesNamed(id, name) : undefined;
        const converged =
          consistency === 'EVENTUAL' ? await renames.converged(id, name, returnedAt) : undefined;
        if (i < 0) continue;
        samples[consistency].push(latencyMs);
        if (named) staleOnReturn += named.total - named.named;
        if (converged !== undefined) convergeMs.push(converged);
      }
    }
    levels.push({
      copies,
      lag,
      drain,
      renames: {
        strongMs: summarize(samples.STRONG),
        eventualMs: summarize(samples.EVENTUAL),
        eventualConvergeMs: summarize(convergeMs),
        staleOnReturn,
      },
    });
    logger.info('measured', {
      copies,
      lagP99: lag.lagMs.p99,
      copyUpdatesPerSecond: drain.drain.copyUpdatesPerSecond,
      strongP50: round(samples.STRONG.length ? summarize(samples.STRONG).p50 : Number.NaN),
    });
  }
  return levels;
}
