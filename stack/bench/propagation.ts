/**
 * Event propagation: how far an order item's product name copy lags behind a rename of its product,
 * and how many copy updates per second the event path sustains (`updateProduct` → outbox row in the
 * same transaction → relay → BullMQ `ProductUpdated.order` → the order consumer's one `UPDATE` of
 * the product's copies, recorded in its inbox).
 *
 * How: the stack as separate processes on 4200–4207, databases `<service>_db_bench`, 100 products
 * in 400 orders × 5 items seeded through the gateway (20 copies per product). `updateProduct(name)`
 * goes straight to the product service as a service, open loop (request i due at start + i / rate, at
 * most 64 in flight): phase A at 200/s for 30 s, then steps of 10 s at rising rates; then 6,000
 * updates as fast as accepted (closed loop, 64 connections) with the consumer's queue paused, and
 * the drain. Lag is the order inbox's `processed_events.lag_ms` (recorded − occurred, both stamped
 * by the same PostgreSQL server: no clock skew), over the events that occurred in the phase or step.
 *
 *   npm run bench:propagation              # about 2.5 minutes
 *   npm run bench:propagation -- --quick   # shortened phases (about 1 minute), to check the script
 *   npm run bench:propagation -- --help    # every figure that can be set
 */
import { randomUUID } from 'node:crypto';
import { queueName } from '@msd/events';
import { SERVICE_TOKEN_HEADER } from '@msd/service-kit';
import { graphqlRequest } from '@msd/testing';
import { Queue } from 'bullmq';
import pg from 'pg';
import { seedOrders } from '../src/index.ts';
import { benchCredential } from './gateway/benchSubgraphHeaders.ts';
import {
  type BenchRun,
  benchOptions,
  type CpuUse,
  columns,
  cpuBetween,
  cpuColumns,
  describeEnvironment,
  logger,
  OpenLoop,
  type OpenLoopStats,
  openLoopFigures,
  poll,
  poster,
  publish,
  type ReportBlock,
  round,
  runBench,
  stackCpuMeter,
  startBenchStack,
} from './harness/index.ts';
import { drainBacklog } from './propagation/drainBacklog.ts';
import { type EventPathProbes, eventPathProbes, type Snapshot } from './propagation/eventPathProbes.ts';
import { productUpdates, updated } from './propagation/productUpdates.ts';

const options = benchOptions(
  'npm run bench:propagation -- [--quick] [--<figure> <value>]',
  {
    products: 100,
    orders: 400,
    itemsPerOrder: 5,
    maxInFlight: 64,
    /** Unmeasured load before phase A, so JIT compilation and pool growth are not in the figures. */
    warmUpRate: 200,
    warmUpSeconds: 5,
    phaseARate: 200,
    phaseASeconds: 30,
    steps: [200, 400, 800, 1200, 1600],
    stepSeconds: 10,
    drainUpdates: 6_000,
  },
  { warmUpSeconds: 2, phaseASeconds: 5, steps: [200, 800], stepSeconds: 3, drainUpdates: 1_000 },
);
const { config } = options;
const portBase = 4200;
const requestTimeoutMs = 10_000;
const convergeTimeoutMs = 60_000;

const consumerQueue = queueName('ProductUpdated', 'order');
const productUrl = `http://127.0.0.1:${portBase + 1}/graphql`;
const orderMetricsUrl = `http://127.0.0.1:${portBase + 2}/metrics`;
const asService = { [SERVICE_TOKEN_HEADER]: benchCredential('product') };

// ---------------------------------------------------------------------------------------------
// Phases

async function phaseA(p: EventPathProbes, updates: OpenLoop, rowsPerProduct: number) {
  logger.info('warm-up (not measured)', { rate: config.warmUpRate, seconds: config.warmUpSeconds });
  await updates.run(config.warmUpRate, config.warmUpSeconds);
  await updates.settle();
  await p.convergence();
  logger.info('phase A: sustained load', { rate: config.phaseARate, seconds: config.phaseASeconds });
  const before = await p.snapshot();
  const stats = await updates.run(config.phaseARate, config.phaseASeconds);
  const endTime = await p.dbNow();
  const endCpu = p.cpu.snapshot();
  await updates.settle();
  const convergence = await p.convergence();
  const after = await p.snapshot();
  const applied = after.applied - before.applied;
  return {
    load: openLoopFigures(stats),
    convergence,
    lagMs: await p.lag(before.dbTime, endTime),
    lagBreakdown: await p.lagBreakdown(before.dbTime, endTime),
    eventsRecorded: after.processed - before.processed,
    eventsApplied: applied,
    eventsStale: after.stale - before.stale,
    copyRowsUpdated: applied * rowsPerProduct,
    copyUpdatesPerSecond: round((applied * rowsPerProduct) / config.phaseASeconds, 0),
    cpu: cpuBetween(before.cpu, endCpu),
  };
}

async function phaseSteps(p: EventPathProbes, updates: OpenLoop, rowsPerProduct: number) {
  const marks: Snapshot[] = [await p.snapshot()];
  const loads: OpenLoopStats[] = [];
  for (const rate of config.steps) {
    logger.info('phase B(i): step', { rate, seconds: config.stepSeconds });
    loads.push(await updates.run(rate, config.stepSeconds));
    marks.push(await p.snapshot());
  }
  await updates.settle();
  const convergence = await p.convergence();
  const steps = [];
  for (const [i, stats] of loads.entries()) {
    const start = marks[i];
    const end = marks[i + 1];
    if (!start || !end) throw new Error('missing step snapshot');
    const seconds = (end.wallMs - start.wallMs) / 1000;
    const load = openLoopFigures(stats);
    const appliedPerSecond = (end.processed - start.processed) / seconds;
    const growth = end.outbox + end.queue - (start.outbox + start.queue);
    steps.push({
      targetRate: stats.targetRate,
      seconds: round(seconds, 2),
      load,
      appliedEventsPerSecond: round(appliedPerSecond, 0),
      copyUpdatesPerSecond: round(((end.applied - start.applied) * rowsPerProduct) / seconds, 0),
      lagMs: await p.lag(start.dbTime, end.dbTime),
      lagBreakdown: await p.lagBreakdown(start.dbTime, end.dbTime),
      backlog: {
        start: { outbox: start.outbox, queue: start.queue },
        end: { outbox: end.outbox, queue: end.queue },
        growth,
      },
      writesKeptUp: load.okPerSecond >= 0.95 * stats.targetRate && load.missed <= 0.01 * load.scheduled,
      propagationKeptUp: growth <= 20 + 0.02 * load.ok && appliedPerSecond >= 0.95 * (load.ok / seconds),
      cpu: cpuBetween(start.cpu, end.cpu),
    });
  }
  return { steps, convergence };
}

/**
 * The first requests after start pay for lazy initialisation (modules, Prisma's engine, the first
 * transaction), which can exceed the gateway's time budget per subgraph. Reads through the gateway
 * and a no-op update (unknown id) on the product service absorb it before seeding.
 */
async function warmUp(run: BenchRun, gatewayUrl: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const polled = await poll(
      () =>
        Promise.all([
          graphqlRequest(
            gatewayUrl,
            '{ products(first: 1) { id name } orders(first: 1) { id } }',
            {},
            { as: 'operator' },
          ).catch(() => undefined),
          graphqlRequest(
            productUrl,
            'mutation ($id: ID!) { updateProduct(id: $id, input: { name: "warm-up" }) { id } }',
            { id: randomUUID() },
            { headers: asService },
          ).catch(() => undefined),
        ]),
      ([read, update]) =>
        read?.status === 200 && !read.errors && update?.errors?.[0]?.extensions?.code === 'NOT_FOUND',
      { intervalMs: 250, timeoutMs: 30_000, signal: run.signal },
    );
    if (!polled.met) throw new Error('the stack did not answer the warm-up requests');
  }
}

async function measure(run: BenchRun) {
  const { stack, urls, bus } = await startBenchStack(run, {
    database: (service) => `${service}_db_bench`,
    eventsPrefix: `bench-${randomUUID()}`,
    portBase,
    // Reconciliation (every 60 s by default) would repair copies while the drain holds the queue
    // paused and turn the drained events into no-ops; it is kept out of the measurement.
    env: { LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '3600000' },
  });
  const productDb = new pg.Pool({ connectionString: urls.product, max: 3 });
  const orderDb = new pg.Pool({ connectionString: urls.order, max: 3 });
  const queue = new Queue(consumerQueue, { connection: bus.connection, prefix: bus.prefix });
  run.cleanup.add('closing the probes', async () => {
    await queue.close().catch(() => {});
    await Promise.all([productDb.end(), orderDb.end()]);
  });
  const cpu = stackCpuMeter();
  const probes = eventPathProbes({
    productDb,
    orderDb,
    queue,
    orderMetricsUrl,
    cpu,
    convergeTimeoutMs,
    signal: run.signal,
  });
  const environment = await describeEnvironment(urls.product, bus, cpu);

  await warmUp(run, stack.gatewayUrl);
  logger.info('seeding through the gateway', config);
  const seedStart = performance.now();
  const { productIds } = await seedOrders(stack.gatewayUrl, config, 'Bench');
  const { rows } = await orderDb.query<{ products: number; min: number; max: number; items: number }>(
    `SELECT count(*)::int AS products, min(n)::int AS min, max(n)::int AS max, sum(n)::int AS items
     FROM (SELECT count(*) AS n FROM order_items GROUP BY product_id) AS per_product`,
  );
  const shape = rows[0];
  if (shape?.products !== config.products || shape.min !== shape.max)
    throw new Error(`unexpected data shape: ${JSON.stringify(shape)}`);
  const rowsPerProduct = shape.min;
  // The seeding's own events (ProductCreated, OrderCreated, stock decisions) settle first.
  const settled = await probes.convergence();
  const seed = {
    ...shape,
    seconds: round((performance.now() - seedStart) / 1000),
    settledMs: settled.elapsedMs,
  };
  logger.info('seeded', seed);

  const nextUpdate = productUpdates(productIds);
  const product = poster(productUrl, {
    headers: asService,
    timeoutMs: requestTimeoutMs,
    maxSockets: config.maxInFlight,
  });
  const updates = new OpenLoop({
    send: () => product.post(nextUpdate()),
    check: updated,
    maxInFlight: config.maxInFlight,
    signal: run.signal,
  });
  run.cleanup.add('closing the load generator', async () => {
    await updates.settle();
    product.close();
  });
  const a = await phaseA(probes, updates, rowsPerProduct);
  const b = await phaseSteps(probes, updates, rowsPerProduct);
  const drain = await drainBacklog(run, {
    probes,
    queue,
    productUrl,
    headers: asService,
    nextUpdate,
    updates: config.drainUpdates,
    connections: config.maxInFlight,
    rowsPerProduct,
    requestTimeoutMs,
  });
  const reconciliation = (
    await orderDb.query<{ runs: number; repaired: number }>(
      'SELECT count(*)::int AS runs, coalesce(sum(repaired), 0)::int AS repaired FROM reconciliation_runs',
    )
  ).rows[0];

  // Sustained: the steps in which propagation kept up with what was written (backlog not growing),
  // whether or not the product service accepted the whole offered rate.
  const sustained = Math.max(
    a.convergence.converged ? a.copyUpdatesPerSecond : 0,
    ...b.steps.filter((s) => s.propagationKeptUp).map((s) => s.copyUpdatesPerSecond),
  );
  const writesShort = b.steps.find((s) => !s.writesKeptUp);
  const propagationShort = b.steps.find((s) => !s.propagationKeptUp);
  const limits = [
    writesShort
      ? `product writes fall short of the offered rate from ${writesShort.targetRate}/s (${writesShort.load.okPerSecond}/s accepted, ${writesShort.load.missed} not sent; closed-loop maximum ${drain.writes.okPerSecond}/s)`
      : 'product writes kept up with every step',
    !propagationShort
      ? 'relay and consumer kept up with everything written in every step'
      : propagationShort.backlog.end.outbox - propagationShort.backlog.start.outbox >
          propagationShort.backlog.end.queue - propagationShort.backlog.start.queue
        ? `outbox relay fell behind at ${propagationShort.targetRate}/s (outbox ${propagationShort.backlog.start.outbox} → ${propagationShort.backlog.end.outbox})`
        : `order consumer fell behind at ${propagationShort.targetRate}/s (queue ${propagationShort.backlog.start.queue} → ${propagationShort.backlog.end.queue})`,
  ];
  const results = {
    seed,
    phaseA: a,
    phaseB: { steps: b.steps, convergenceAfterSteps: b.convergence, ...drain },
    reconciliationRuns: reconciliation,
    summary: {
      p99LagMsAtPhaseA: a.lagMs.p99,
      p99GoalMet: a.lagMs.p99 <= 100 && a.convergence.converged,
      highestSustainedCopyUpdatesPerSecond: sustained,
      consumerDrainCopyUpdatesPerSecond: drain.drain.copyUpdatesPerSecond,
      throughputGoalMet: sustained >= 2000,
      limits: limits.join('; '),
    },
  };
  return { environment, results };
}

type Results = Awaited<ReturnType<typeof measure>>['results'];

function report(r: Results, nproc: number): ReportBlock[] {
  const a = r.phaseA;
  const { writes: w, drain: d } = r.phaseB;
  const s = r.summary;
  const pair = (x: { p50: number; p99: number }) => `${x.p50}/${x.p99}`;
  return [
    `data: ${r.seed.products} products, ${r.seed.items} order items, ${r.seed.min} items per product (seeded in ${r.seed.seconds} s)`,
    `\nPhase A: ${config.phaseARate} updates/s for ${config.phaseASeconds} s (open loop)`,
    columns([a], {
      sent: (x) => x.load.sent,
      ok: (x) => x.load.ok,
      failed: (x) => x.load.failed,
      'not sent': (x) => x.load.missed,
      'rate/s': (x) => x.load.okPerSecond,
      'write p50': (x) => x.load.latencyMs.p50,
      'write p99': (x) => x.load.latencyMs.p99,
      'lag p50': (x) => x.lagMs.p50,
      'lag p90': (x) => x.lagMs.p90,
      'lag p99': (x) => x.lagMs.p99,
      'lag max': (x) => x.lagMs.max,
      'relay p50/p99': (x) => pair(x.lagBreakdown.relayMs),
      'delivery p50/p99': (x) => pair(x.lagBreakdown.deliveryMs),
      events: (x) => x.lagMs.n,
      'copy rows/s': (x) => x.copyUpdatesPerSecond,
      converged: (x) => (x.convergence.converged ? `${x.convergence.elapsedMs} ms` : 'NO'),
      'CPU%': (x) => x.cpu.machineBusyPercent,
    }),
    `\nPhase B(i): steps of ${config.stepSeconds} s (open loop, at most ${config.maxInFlight} in flight)`,
    columns(r.phaseB.steps, {
      'target/s': (x) => x.targetRate,
      'writes/s': (x) => x.load.okPerSecond,
      'not sent': (x) => x.load.missed,
      'write p99': (x) => x.load.latencyMs.p99,
      'applied/s': (x) => x.appliedEventsPerSecond,
      'copy rows/s': (x) => x.copyUpdatesPerSecond,
      'lag p50': (x) => x.lagMs.p50,
      'lag p99': (x) => x.lagMs.p99,
      'relay p99': (x) => x.lagBreakdown.relayMs.p99,
      outbox: (x) => `${x.backlog.start.outbox}→${x.backlog.end.outbox}`,
      queue: (x) => `${x.backlog.start.queue}→${x.backlog.end.queue}`,
      'kept up': (x) => (x.writesKeptUp ? (x.propagationKeptUp ? 'yes' : 'propagation NO') : 'writes NO'),
      'CPU%': (x) => x.cpu.machineBusyPercent,
      ...cpuColumns(
        ['product', 'order', 'gateway', 'postgres (all)', 'redis', 'bench', 'other'],
        (x: { cpu: CpuUse }) => x.cpu,
      ),
    }),
    `\nPhase B(ii): ${config.drainUpdates} updates as fast as accepted, consumer queue paused, then drained`,
    columns([{ w, d }], {
      'writes/s': (x) => x.w.okPerSecond,
      'write p99': (x) => x.w.latencyMs.p99,
      'outbox max': (x) => x.w.outboxBacklogMaxWhileWriting,
      queued: (x) => x.d.queuedAtResume,
      'drain s': (x) => x.d.seconds,
      'events/s': (x) => x.d.eventsPerSecond,
      'copy rows/s': (x) => x.d.copyUpdatesPerSecond,
      stale: (x) => x.d.eventsStale,
      'CPU%': (x) => x.d.cpu.machineBusyPercent,
      ...cpuColumns(['order', 'postgres (all)', 'redis', 'other'], (x: { d: { cpu: CpuUse } }) => x.d.cpu),
    }),
    `\nGoal p99 ≤ 100 ms at ${config.phaseARate}/s: ${s.p99LagMsAtPhaseA} ms → ${s.p99GoalMet ? 'met' : 'MISSED'}`,
    `Goal ≥ 2,000 copy updates/s sustained: ${s.highestSustainedCopyUpdatesPerSecond}/s end to end, consumer alone (drain) ${s.consumerDrainCopyUpdatesPerSecond}/s → ${s.throughputGoalMet ? 'met' : 'MISSED'}`,
    `Limits: ${s.limits}`,
    `CPU: % of one core per process group (${nproc} cores = ${nproc * 100}%); 'other' is load outside this stack on the shared machine`,
  ];
}

runBench('propagation', { watchdogMs: 6 * 60_000 }, async (run) => {
  const { environment, results } = await measure(run);
  publish(run, options, environment, results, {
    title: 'Event propagation: product name → order item copies',
    blocks: report(results, environment.nproc),
  });
});
