/**
 * Event propagation benchmark: product name → order item copies (ProductUpdated → order), on the
 * real deployment shape: seven processes started by `launchStack`, real PostgreSQL and Redis, the
 * outbox relay and the BullMQ consumer as they run in production. Not a test: it measures and
 * reports, it asserts nothing.
 *
 *   npm run bench:propagation            # ~3.5 minutes
 *   npm run bench:propagation -- --quick # shortened phases, to check the script itself
 *
 * Lag is taken from the order service's inbox (`processed_events.lag_ms`): the database clock when
 * the consumer records the event minus the event's `occurred_at` (the database clock when the
 * product service wrote the outbox row in its update transaction). Both are the same PostgreSQL
 * server's clock, so no clock skew enters the figure.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { queueName } from '@msd/events';
import type { ServiceName } from '@msd/registry';
import { SERVICE_TOKEN_HEADER, serviceToken } from '@msd/service-kit';
import { graphqlRequest, readCounter } from '@msd/testing';
import { Queue } from 'bullmq';
import pg from 'pg';
import { seedOrders } from '../src/index.ts';
import {
  abortReason,
  Cleanup,
  type CpuSnapshot,
  checkAborted,
  cpuBetween,
  cpuSnapshot,
  describeEnvironment,
  loadavg,
  logger,
  percentile,
  round,
  runBench,
  sleep,
  startBenchStack,
  table,
  trackStackProcesses,
  watchRun,
  writeResults,
} from './harness.ts';

const quick = process.argv.includes('--quick');
const config = {
  portBase: 4200,
  products: 100,
  orders: 400,
  itemsPerOrder: 5,
  maxInFlight: 64,
  requestTimeoutMs: 10_000,
  /** Unmeasured load before phase A, so JIT compilation and pool growth are not in the figures. */
  warmUp: { rate: 200, seconds: quick ? 2 : 5 },
  phaseA: { rate: 200, seconds: quick ? 5 : 30 },
  steps: quick ? [200, 800] : [200, 400, 800, 1200, 1600],
  stepSeconds: quick ? 3 : 10,
  drainUpdates: quick ? 1_000 : 6_000,
  convergeTimeoutMs: 60_000,
  /** Hard stop for the whole run; cleanup still happens. */
  watchdogMs: 6 * 60_000,
};

const consumerQueue = queueName('ProductUpdated', 'order');
const productUrl = new URL(`http://127.0.0.1:${config.portBase + 1}/graphql`);
const orderMetricsUrl = `http://127.0.0.1:${config.portBase + 2}/metrics`;
const benchDatabase = (service: ServiceName) => `${service}_db_bench`;

// ---------------------------------------------------------------------------------------------
// Load generation: updateProduct(id, { name }) straight to the product service, as a service.

const agent = new http.Agent({ keepAlive: true, maxSockets: config.maxInFlight });
const token = serviceToken();
const mutation =
  'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { version } }';
let productIds: string[] = [];
let updateSeq = 0;

/** One rename; resolves to undefined on success or a short error label. */
function sendUpdate(): Promise<string | undefined> {
  const seq = updateSeq++;
  const index = seq % productIds.length;
  const body = JSON.stringify({
    query: mutation,
    variables: { id: productIds[index], name: `Product ${index} #${seq}` },
  });
  return new Promise((resolve) => {
    const request = http.request(
      productUrl,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [SERVICE_TOKEN_HEADER]: token,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) return resolve(`HTTP ${response.statusCode}`);
          try {
            const parsed = JSON.parse(Buffer.concat(chunks).toString()) as {
              data?: { updateProduct?: { version: number } } | null;
              errors?: { message: string }[];
            };
            resolve(
              parsed.data?.updateProduct
                ? undefined
                : (parsed.errors?.[0]?.message ?? 'no data').slice(0, 80),
            );
          } catch {
            resolve('unparseable response');
          }
        });
        response.on('error', (error) => resolve(error.message));
      },
    );
    request.setTimeout(config.requestTimeoutMs, () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message));
    request.end(body);
  });
}

interface LoadStats {
  targetRate: number;
  durationMs: number;
  scheduled: number;
  sent: number;
  ok: number;
  failed: number;
  /** Due while `maxInFlight` requests were outstanding: not sent at all (open loop, never queued). */
  missed: number;
  /** Sent more than 10 ms after their scheduled time (the generator itself fell behind). */
  late: number;
  maxLateMs: number;
  latencies: number[];
  errors: Record<string, number>;
}

const inFlight = { count: 0 };
const outstanding = new Set<Promise<void>>();

function newStats(targetRate: number, durationMs: number): LoadStats {
  return {
    targetRate,
    durationMs,
    scheduled: 0,
    sent: 0,
    ok: 0,
    failed: 0,
    missed: 0,
    late: 0,
    maxLateMs: 0,
    latencies: [],
    errors: {},
  };
}

function launch(stats: LoadStats): Promise<void> {
  stats.sent++;
  inFlight.count++;
  const started = performance.now();
  const done = sendUpdate().then((error) => {
    inFlight.count--;
    stats.latencies.push(performance.now() - started);
    if (error === undefined) stats.ok++;
    else {
      stats.failed++;
      stats.errors[error] = (stats.errors[error] ?? 0) + 1;
    }
    outstanding.delete(done);
  });
  outstanding.add(done);
  return done;
}

/**
 * Open loop: request i is due at start + i / rate, whatever happened to earlier ones. Returns when
 * the last one was sent; responses are awaited by `settle()`.
 */
async function openLoop(rate: number, durationMs: number): Promise<LoadStats> {
  const stats = newStats(rate, durationMs);
  const total = Math.round((rate * durationMs) / 1000);
  const start = performance.now();
  let next = 0;
  while (next < total) {
    checkAborted();
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
    for (; next < due; next++) {
      stats.scheduled++;
      if (inFlight.count >= config.maxInFlight) {
        stats.missed++;
        continue;
      }
      const lateMs = now - (start + (next * 1000) / rate);
      if (lateMs > 10) stats.late++;
      stats.maxLateMs = Math.max(stats.maxLateMs, lateMs);
      void launch(stats);
    }
    const wait = start + (next * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  return stats;
}

/** Closed loop: `maxInFlight` senders, each sending its next request when the previous returned. */
async function closedLoop(count: number): Promise<LoadStats & { elapsedMs: number }> {
  const stats = newStats(Number.NaN, Number.NaN);
  let remaining = count;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: config.maxInFlight }, async () => {
      while (remaining > 0 && !abortReason()) {
        remaining--;
        stats.scheduled++;
        await launch(stats);
      }
    }),
  );
  await settle();
  return { ...stats, elapsedMs: performance.now() - start };
}

async function settle(): Promise<void> {
  while (outstanding.size > 0) await Promise.race([...outstanding]);
}

function loadSummary(stats: LoadStats, elapsedMs = stats.durationMs) {
  const sorted = [...stats.latencies].sort((a, b) => a - b);
  return {
    targetRate: stats.targetRate,
    scheduled: stats.scheduled,
    sent: stats.sent,
    ok: stats.ok,
    failed: stats.failed,
    missed: stats.missed,
    lateOver10ms: stats.late,
    maxLateMs: round(stats.maxLateMs),
    achievedRate: round(stats.ok / (elapsedMs / 1000)),
    writeLatencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? Number.NaN),
    },
    errors: stats.errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Probes: everything is read from the bench databases, Redis and /metrics, never from a service's
// internals.

interface Probes {
  productDb: pg.Pool;
  orderDb: pg.Pool;
  queue: Queue;
}

/** The single row a query returns (aggregates always return one). */
function only<T>(rows: T[]): T {
  const [row] = rows;
  if (row === undefined) throw new Error('expected one row, got none');
  return row;
}

const dbNow = async (db: pg.Pool) =>
  only((await db.query<{ now: string }>('SELECT clock_timestamp()::text AS now')).rows).now;

async function outboxBacklog(p: Probes): Promise<number> {
  const { rows } = await p.productDb.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
  );
  return only(rows).n;
}

async function queueCounts(p: Probes) {
  // A paused queue's jobs are still counted as waiting.
  const c = await p.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
  const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0);
  return { waiting, active: c.active ?? 0, depth: waiting + (c.active ?? 0) };
}

async function processedCount(p: Probes): Promise<number> {
  const { rows } = await p.orderDb.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM processed_events WHERE consumer = $1',
    [consumerQueue],
  );
  return only(rows).n;
}

async function consumedCounters() {
  const [applied, stale, duplicate] = await Promise.all(
    ['applied', 'stale', 'duplicate'].map((outcome) =>
      readCounter(orderMetricsUrl, 'events_consumed_total', { queue: consumerQueue, outcome }),
    ),
  );
  return { applied: applied ?? 0, stale: stale ?? 0, duplicate: duplicate ?? 0 };
}

/** Products whose order item copies do not all carry the product's current name and version. */
async function copiesBehind(p: Probes): Promise<number> {
  const [owners, copies] = await Promise.all([
    p.productDb.query<{ id: string; name: string; version: number }>(
      'SELECT id::text, name, version FROM products',
    ),
    p.orderDb.query<{ id: string; name: string; version: number }>(
      'SELECT DISTINCT product_id::text AS id, product_name AS name, product_version AS version FROM order_items',
    ),
  ]);
  const current = new Map(owners.rows.map((row) => [row.id, row]));
  const behind = new Set<string>();
  for (const copy of copies.rows) {
    const owner = current.get(copy.id);
    if (!owner || owner.name !== copy.name || owner.version !== copy.version) behind.add(copy.id);
  }
  return behind.size;
}

interface LagStats {
  events: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  firstAppliedAt: string | null;
  lastAppliedAt: string | null;
}

/** Lag of the events that occurred (outbox row written) in [from, to), from the order inbox. */
async function lagOf(p: Probes, from: string, to: string): Promise<LagStats> {
  const { rows } = await p.orderDb.query<{
    events: number;
    p: number[] | null;
    max: number | null;
    first: string | null;
    last: string | null;
  }>(
    `SELECT count(*)::int AS events,
            percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY lag_ms) AS p,
            max(lag_ms) AS max, min(processed_at)::text AS first, max(processed_at)::text AS last
     FROM processed_events
     WHERE consumer = $1
       AND processed_at - lag_ms * interval '1 millisecond' >= $2::timestamptz
       AND processed_at - lag_ms * interval '1 millisecond' < $3::timestamptz`,
    [consumerQueue, from, to],
  );
  const row = only(rows);
  return {
    events: row.events,
    p50: round(row.p?.[0] ?? Number.NaN),
    p90: round(row.p?.[1] ?? Number.NaN),
    p99: round(row.p?.[2] ?? Number.NaN),
    max: round(row.max ?? Number.NaN),
    firstAppliedAt: row.first,
    lastAppliedAt: row.last,
  };
}

/**
 * Where the lag of the events that occurred in [from, to) is spent: in the relay (outbox row written
 * → `published_at`, stamped after Redis accepted the batch) and in delivery (→ recorded in the order
 * inbox: queue wait, BullMQ pickup, the consumer's transaction up to its inbox insert). Same clock.
 */
async function lagBreakdown(p: Probes, from: string, to: string) {
  const [outbox, inbox] = await Promise.all([
    p.productDb.query<{ id: string; occurred: number; published: number | null }>(
      `SELECT id::text, extract(epoch FROM occurred_at)::float8 * 1000 AS occurred,
              extract(epoch FROM published_at)::float8 * 1000 AS published
       FROM outbox_events
       WHERE type = 'ProductUpdated' AND occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz`,
      [from, to],
    ),
    p.orderDb.query<{ id: string; recorded: number }>(
      `SELECT event_id::text AS id, extract(epoch FROM processed_at)::float8 * 1000 AS recorded
       FROM processed_events
       WHERE consumer = $1
         AND processed_at >= $2::timestamptz - interval '1 second'`,
      [consumerQueue, from],
    ),
  ]);
  const recorded = new Map(inbox.rows.map((row) => [row.id, row.recorded]));
  const relay: number[] = [];
  const delivery: number[] = [];
  for (const row of outbox.rows) {
    if (row.published === null) continue;
    relay.push(row.published - row.occurred);
    const at = recorded.get(row.id);
    if (at !== undefined) delivery.push(at - row.published);
  }
  const stats = (values: number[]) => {
    const sorted = values.sort((x, y) => x - y);
    return {
      p50: round(percentile(sorted, 0.5)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? Number.NaN),
    };
  };
  return { events: outbox.rows.length, relayMs: stats(relay), deliveryMs: stats(delivery) };
}

/** Events recorded by the consumer in [from, to) (whenever they occurred), first and last. */
async function appliedBetween(p: Probes, from: string, to: string | null) {
  const { rows } = await p.orderDb.query<{
    n: number;
    first: string | null;
    last: string | null;
    span: number;
  }>(
    `SELECT count(*)::int AS n, min(processed_at)::text AS first, max(processed_at)::text AS last,
            coalesce(extract(epoch FROM max(processed_at) - min(processed_at)), 0)::float8 AS span
     FROM processed_events
     WHERE consumer = $1 AND processed_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR processed_at < $3::timestamptz)`,
    [consumerQueue, from, to],
  );
  return only(rows);
}

interface Snapshot {
  dbTime: string;
  wallMs: number;
  outbox: number;
  queue: number;
  processed: number;
  applied: number;
  stale: number;
  cpu: CpuSnapshot;
}

async function snapshot(p: Probes): Promise<Snapshot> {
  const cpu = cpuSnapshot();
  const [dbTime, outbox, queue, processed, consumed] = await Promise.all([
    dbNow(p.productDb),
    outboxBacklog(p),
    queueCounts(p),
    processedCount(p),
    consumedCounters(),
  ]);
  return {
    dbTime,
    wallMs: cpu.wallMs,
    outbox,
    queue: queue.depth,
    processed,
    applied: consumed.applied,
    stale: consumed.stale,
    cpu,
  };
}

async function waitForConvergence(p: Probes, timeoutMs: number) {
  const start = performance.now();
  for (;;) {
    checkAborted();
    const [outbox, queue, behind] = await Promise.all([outboxBacklog(p), queueCounts(p), copiesBehind(p)]);
    const elapsedMs = round(performance.now() - start, 0);
    if (outbox === 0 && queue.depth === 0 && behind === 0) return { converged: true, elapsedMs, behind };
    if (elapsedMs > timeoutMs) return { converged: false, elapsedMs, outbox, queue: queue.depth, behind };
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

let rowsPerProduct = 0;

async function phaseA(p: Probes) {
  const { rate, seconds } = config.phaseA;
  logger.info('warm-up (not measured)', config.warmUp);
  await openLoop(config.warmUp.rate, config.warmUp.seconds * 1000);
  await settle();
  await waitForConvergence(p, config.convergeTimeoutMs);
  logger.info('phase A: sustained load', { rate, seconds });
  const before = await snapshot(p);
  const stats = await openLoop(rate, seconds * 1000);
  const endTime = await dbNow(p.productDb);
  const endCpu = cpuSnapshot();
  await settle();
  const convergence = await waitForConvergence(p, config.convergeTimeoutMs);
  const after = await snapshot(p);
  const lag = await lagOf(p, before.dbTime, endTime);
  const breakdown = await lagBreakdown(p, before.dbTime, endTime);
  const applied = after.applied - before.applied;
  return {
    load: loadSummary(stats),
    convergence,
    lagMs: lag,
    lagBreakdown: breakdown,
    eventsRecorded: after.processed - before.processed,
    eventsApplied: applied,
    eventsStale: after.stale - before.stale,
    copyRowsUpdated: applied * rowsPerProduct,
    copyUpdatesPerSecond: round((applied * rowsPerProduct) / seconds, 0),
    cpu: cpuBetween(before.cpu, endCpu),
  };
}

async function phaseSteps(p: Probes) {
  const marks: Snapshot[] = [await snapshot(p)];
  const loads: LoadStats[] = [];
  for (const rate of config.steps) {
    logger.info('phase B(i): step', { rate, seconds: config.stepSeconds });
    loads.push(await openLoop(rate, config.stepSeconds * 1000));
    marks.push(await snapshot(p));
  }
  await settle();
  const convergence = await waitForConvergence(p, config.convergeTimeoutMs);
  const steps = [];
  for (const [i, stats] of loads.entries()) {
    const start = marks[i];
    const end = marks[i + 1];
    if (!start || !end) throw new Error('missing step snapshot');
    const seconds = (end.wallMs - start.wallMs) / 1000;
    const load = loadSummary(stats);
    const lag = await lagOf(p, start.dbTime, end.dbTime);
    const breakdown = await lagBreakdown(p, start.dbTime, end.dbTime);
    const appliedRate = (end.processed - start.processed) / seconds;
    const copyRate = ((end.applied - start.applied) * rowsPerProduct) / seconds;
    const backlogStart = start.outbox + start.queue;
    const backlogEnd = end.outbox + end.queue;
    const growth = backlogEnd - backlogStart;
    const writesKeptUp = load.achievedRate >= 0.95 * stats.targetRate && load.missed <= 0.01 * load.scheduled;
    const propagationKeptUp = growth <= 20 + 0.02 * load.ok && appliedRate >= 0.95 * (load.ok / seconds);
    steps.push({
      targetRate: stats.targetRate,
      seconds: round(seconds, 2),
      load,
      appliedEventsPerSecond: round(appliedRate, 0),
      copyUpdatesPerSecond: round(copyRate, 0),
      lagMs: lag,
      lagBreakdown: breakdown,
      backlog: {
        start: { outbox: start.outbox, queue: start.queue },
        end: { outbox: end.outbox, queue: end.queue },
        growth,
      },
      writesKeptUp,
      propagationKeptUp,
      cpu: cpuBetween(start.cpu, end.cpu),
    });
  }
  return { steps, convergence };
}

async function phaseDrain(p: Probes) {
  const count = config.drainUpdates;
  logger.info('phase B(ii): drain', { updates: count });
  // The consumer's queue is paused while the backlog is written, so the drain afterwards measures
  // the consumer alone, with the product service and relay idle.
  await p.queue.pause();
  try {
    const writeStartCpu = cpuSnapshot();
    let outboxMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        outboxMax = Math.max(outboxMax, await outboxBacklog(p));
        await sleep(200);
      }
    })();
    const writes = await closedLoop(count);
    const writeEndCpu = cpuSnapshot();
    sampling = false;
    await sampler;
    const published = performance.now();
    for (;;) {
      checkAborted();
      const [outbox, queue] = await Promise.all([outboxBacklog(p), queueCounts(p)]);
      if (outbox === 0 && queue.waiting >= writes.ok) break;
      if (performance.now() - published > 30_000) throw new Error(`backlog not published: outbox ${outbox}`);
      await sleep(100);
    }
    const publishedAfterWritesMs = round(performance.now() - published, 0);
    const before = await snapshot(p);
    await p.queue.resume();
    const convergence = await waitForConvergence(p, config.convergeTimeoutMs);
    const after = await snapshot(p);
    const drained = await appliedBetween(p, before.dbTime, null);
    const applied = after.applied - before.applied;
    const span = Math.max(drained.span, 0.001);
    return {
      writes: {
        ...loadSummary(writes, writes.elapsedMs),
        elapsedMs: round(writes.elapsedMs, 0),
        outboxBacklogMaxWhileWriting: outboxMax,
        outboxEmptyAfterWritesMs: publishedAfterWritesMs,
        cpu: cpuBetween(writeStartCpu, writeEndCpu),
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
    await p.queue.resume().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/**
 * The first requests after start pay for lazy initialisation (module loading, Prisma's engine, the
 * first transaction), which can exceed the gateway's per-subgraph time budget. A few reads through
 * the gateway and a no-op update (unknown id) on the product service absorb it before seeding.
 */
async function warmUp(gatewayUrl: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (let round = 0; round < 3; round++) {
    for (;;) {
      checkAborted();
      const [read, update] = await Promise.all([
        graphqlRequest(gatewayUrl, '{ products(first: 1) { id name } orders(first: 1) { id } }').catch(
          () => undefined,
        ),
        graphqlRequest(
          productUrl.toString(),
          'mutation ($id: ID!) { updateProduct(id: $id, input: { name: "warm-up" }) { id } }',
          { id: randomUUID() },
          { asService: true },
        ).catch(() => undefined),
      ]);
      if (read?.status === 200 && !read.errors && update?.errors?.[0]?.extensions?.code === 'NOT_FOUND')
        break;
      if (performance.now() > deadline) throw new Error('the stack did not answer the warm-up requests');
      await sleep(250);
    }
  }
}

async function main() {
  const startedAt = new Date();
  const stopWatchdog = watchRun(config.watchdogMs);
  const cleanup = new Cleanup();
  try {
    const { stack, urls, bus } = await startBenchStack({
      database: benchDatabase,
      eventsPrefix: `bench-${randomUUID()}`,
      portBase: config.portBase,
      // Reconciliation (every 60 s by default) would repair copies while the drain test holds the
      // queue paused and turn the drained events into no-ops; it is kept out of the measurement.
      env: { LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '3600000' },
      cleanup,
    });
    const probes: Probes = {
      productDb: new pg.Pool({ connectionString: urls.product, max: 3 }),
      orderDb: new pg.Pool({ connectionString: urls.order, max: 3 }),
      queue: new Queue(consumerQueue, { connection: bus.connection, prefix: bus.prefix }),
    };
    cleanup.add('closing the probes', async () => {
      await probes.queue.close().catch(() => {});
      await Promise.all([probes.productDb.end(), probes.orderDb.end()]);
    });
    cleanup.add('closing the load generator', async () => {
      await settle().catch(() => {});
      agent.destroy();
    });
    const stackProcesses = trackStackProcesses();
    const environment = { ...(await describeEnvironment(urls.product, bus)), stackProcesses };

    await warmUp(stack.gatewayUrl);
    logger.info('seeding through the gateway', {
      products: config.products,
      orders: config.orders,
      itemsPerOrder: config.itemsPerOrder,
    });
    const seedStart = performance.now();
    const seeded = await seedOrders(stack.gatewayUrl, config, 'Bench');
    productIds = seeded.productIds;
    const { rows: refs } = await probes.orderDb.query<{
      products: number;
      min: number;
      max: number;
      items: number;
    }>(
      `SELECT count(*)::int AS products, min(n)::int AS min, max(n)::int AS max, sum(n)::int AS items
       FROM (SELECT count(*) AS n FROM order_items GROUP BY product_id) AS per_product`,
    );
    const seed = { ...only(refs), seconds: round((performance.now() - seedStart) / 1000) };
    if (seed.products !== config.products || seed.min !== seed.max) {
      throw new Error(`unexpected data shape: ${JSON.stringify(seed)}`);
    }
    rowsPerProduct = seed.min;
    // Let the seeding's own events (ProductCreated, OrderCreated, stock decisions) settle first.
    const settled = await waitForConvergence(probes, config.convergeTimeoutMs);
    logger.info('seeded', { ...seed, settledMs: settled.elapsedMs });

    const a = await phaseA(probes);
    const b = await phaseSteps(probes);
    const drain = await phaseDrain(probes);

    const { rows: reconciliation } = await probes.orderDb.query<{ runs: number; repaired: number }>(
      `SELECT count(*)::int AS runs, coalesce(sum(repaired), 0)::int AS repaired FROM reconciliation_runs`,
    );
    // Sustained copy updates: steps in which propagation kept up with what was written (backlog not
    // growing), whether or not the product service accepted the whole offered rate.
    const sustained = b.steps.filter((s) => s.propagationKeptUp);
    const maxSustained = Math.max(
      a.convergence.converged ? a.copyUpdatesPerSecond : 0,
      ...sustained.map((s) => s.copyUpdatesPerSecond),
    );
    const writesShort = b.steps.find((s) => !s.writesKeptUp);
    const propagationShort = b.steps.find((s) => !s.propagationKeptUp);
    const limits = [
      writesShort
        ? `product writes fall short of the offered rate from ${writesShort.targetRate}/s (${writesShort.load.achievedRate}/s accepted, ${writesShort.load.missed} not sent; closed-loop maximum ${drain.writes.achievedRate}/s)`
        : 'product writes kept up with every step',
      propagationShort
        ? propagationShort.backlog.end.outbox - propagationShort.backlog.start.outbox >
          propagationShort.backlog.end.queue - propagationShort.backlog.start.queue
          ? `outbox relay fell behind at ${propagationShort.targetRate}/s (outbox ${propagationShort.backlog.start.outbox} → ${propagationShort.backlog.end.outbox})`
          : `order consumer fell behind at ${propagationShort.targetRate}/s (queue ${propagationShort.backlog.start.queue} → ${propagationShort.backlog.end.queue})`
        : 'relay and consumer kept up with everything written in every step',
    ];
    const limitedBy = limits.join('; ');

    const results = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      quick,
      config,
      environment: { ...environment, loadavgAfter: loadavg() },
      seed: { ...seed, settledMs: settled.elapsedMs },
      phaseA: a,
      phaseB: { steps: b.steps, convergenceAfterSteps: b.convergence, ...drain },
      reconciliationRuns: reconciliation[0],
      summary: {
        p99LagMsAt200: a.lagMs.p99,
        p99GoalMet: a.lagMs.p99 <= 100 && a.convergence.converged,
        highestSustainedCopyUpdatesPerSecond: maxSustained,
        consumerDrainCopyUpdatesPerSecond: drain.drain.copyUpdatesPerSecond,
        throughputGoalMet: maxSustained >= 2000,
        limits: limitedBy,
      },
    };

    const file = writeResults('propagation', startedAt, results, quick ? '-quick' : '');
    printReport(results);
    console.log(`\nraw results: ${path.relative(process.cwd(), file)}`);
  } finally {
    stopWatchdog();
    await cleanup.run();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: printing the results object built just above
function printReport(r: any) {
  const e = r.environment;
  console.log(
    `\nEvent propagation: product name → order item copies   (${e.nproc} cores ${e.cpuModel}, node ${e.node}, PostgreSQL ${e.postgres}, Redis ${e.redis})`,
  );
  console.log(
    `data: ${r.seed.products} products, ${r.seed.items} order items, ${r.seed.min} items per product (seeded in ${r.seed.seconds} s)\n`,
  );
  const a = r.phaseA;
  console.log(`Phase A: ${r.config.phaseA.rate} updates/s for ${r.config.phaseA.seconds} s (open loop)`);
  console.log(
    table(
      [
        'sent',
        'ok',
        'failed',
        'not sent',
        'rate/s',
        'write p50',
        'write p99',
        'lag p50',
        'lag p90',
        'lag p99',
        'lag max',
        'relay p50/p99',
        'delivery p50/p99',
        'events',
        'copy rows/s',
        'converged',
        'CPU%',
      ],
      [
        [
          a.load.sent,
          a.load.ok,
          a.load.failed,
          a.load.missed,
          a.load.achievedRate,
          a.load.writeLatencyMs.p50,
          a.load.writeLatencyMs.p99,
          a.lagMs.p50,
          a.lagMs.p90,
          a.lagMs.p99,
          a.lagMs.max,
          `${a.lagBreakdown.relayMs.p50}/${a.lagBreakdown.relayMs.p99}`,
          `${a.lagBreakdown.deliveryMs.p50}/${a.lagBreakdown.deliveryMs.p99}`,
          a.lagMs.events,
          a.copyUpdatesPerSecond,
          a.convergence.converged ? `${a.convergence.elapsedMs} ms` : 'NO',
          a.cpu.machineBusyPercent,
        ],
      ],
    ),
  );
  console.log(
    `\nPhase B(i): steps of ${r.config.stepSeconds} s (open loop, at most ${r.config.maxInFlight} in flight)`,
  );
  console.log(
    table(
      [
        'target/s',
        'writes/s',
        'not sent',
        'write p99',
        'applied/s',
        'copy rows/s',
        'lag p50',
        'lag p99',
        'relay p99',
        'outbox',
        'queue',
        'kept up',
        'CPU%',
        'product',
        'order',
        'gateway',
        'pg',
        'redis',
        'bench',
        'other',
      ],
      // biome-ignore lint/suspicious/noExplicitAny: see above
      r.phaseB.steps.map((s: any) => [
        s.targetRate,
        s.load.achievedRate,
        s.load.missed,
        s.load.writeLatencyMs.p99,
        s.appliedEventsPerSecond,
        s.copyUpdatesPerSecond,
        s.lagMs.p50,
        s.lagMs.p99,
        s.lagBreakdown.relayMs.p99,
        `${s.backlog.start.outbox}→${s.backlog.end.outbox}`,
        `${s.backlog.start.queue}→${s.backlog.end.queue}`,
        s.writesKeptUp ? (s.propagationKeptUp ? 'yes' : 'propagation NO') : 'writes NO',
        s.cpu.machineBusyPercent,
        s.cpu.percentOfOneCore.product ?? '',
        s.cpu.percentOfOneCore.order ?? '',
        s.cpu.percentOfOneCore.gateway ?? '',
        s.cpu.percentOfOneCore['postgres (all)'] ?? '',
        s.cpu.percentOfOneCore.redis ?? '',
        s.cpu.percentOfOneCore.bench ?? '',
        s.cpu.percentOfOneCore.other ?? '',
      ]),
    ),
  );
  const w = r.phaseB.writes;
  const d = r.phaseB.drain;
  console.log(
    `\nPhase B(ii): ${r.config.drainUpdates} updates as fast as accepted, consumer queue paused, then drained`,
  );
  console.log(
    table(
      [
        'writes/s',
        'write p99',
        'outbox max',
        'queued',
        'drain s',
        'events/s',
        'copy rows/s',
        'stale',
        'CPU%',
        'order',
        'pg',
        'redis',
        'other',
      ],
      [
        [
          w.achievedRate,
          w.writeLatencyMs.p99,
          w.outboxBacklogMaxWhileWriting,
          d.queuedAtResume,
          d.seconds,
          d.eventsPerSecond,
          d.copyUpdatesPerSecond,
          d.eventsStale,
          d.cpu.machineBusyPercent,
          d.cpu.percentOfOneCore.order ?? '',
          d.cpu.percentOfOneCore['postgres (all)'] ?? '',
          d.cpu.percentOfOneCore.redis ?? '',
          d.cpu.percentOfOneCore.other ?? '',
        ],
      ],
    ),
  );
  const s = r.summary;
  console.log(`\nGoal p99 ≤ 100 ms at 200/s: ${s.p99LagMsAt200} ms → ${s.p99GoalMet ? 'met' : 'MISSED'}`);
  console.log(
    `Goal ≥ 2,000 copy updates/s sustained: ${s.highestSustainedCopyUpdatesPerSecond}/s sustained end to end, consumer alone (drain) ${s.consumerDrainCopyUpdatesPerSecond}/s → ${s.throughputGoalMet ? 'met' : 'MISSED'}`,
  );
  console.log(`Limits: ${s.limits}`);
  console.log(
    `CPU: % of one core per process group (${e.nproc} cores = ${e.nproc * 100}%); 'other' is load outside this stack on the shared machine`,
  );
}

runBench(main);
