import { setTimeout as sleep } from 'node:timers/promises';
import { withAdminClient } from '@msd/database';
import { developmentToken } from '@msd/service-kit';
import pg from 'pg';
import * as harness from './harness/index.ts';
import { answered } from './reads.ts';

const options = harness.benchOptions(
  'npm run bench:orders -- [--quick] [--replicas 1,2] [--profile 1] [--<figure> <value>]',
  { replicas: [1], rounds: 3, seconds: 20, warmUpSeconds: 5, connections: 12, products: 20, profile: 0 },
  { rounds: 1, seconds: 4, warmUpSeconds: 1 },
);
const { config } = options;
/** `bench:replicas` is this benchmark with one replica against two; its results are its own. */
const name = config.replicas.length > 1 ? 'replicas' : 'orders';
// `--replicas 1,2` alone is bench:replicas's standard run: it replaces results/replicas.json.
const argv = process.argv.slice(2).join(' ');
const standard = options.standard || (name === 'replicas' && argv === '--replicas 1,2');
const settleTimeoutMs = 120_000;
const lagConsumers = [
  { service: 'inventory', consumer: 'OrderCreated.inventory' },
  { service: 'shipping', consumer: 'OrderCreated.shipping' },
  { service: 'order', consumer: 'StockReserved.order' },
] as const;

async function startStack(run: harness.BenchRun, replicas: number) {
  const bench = await harness.startBenchStack(run, {
    ...(config.replicas.length > 1 ? { variant: `r${replicas}` } : {}),
    portBase: replicas === 1 ? 4900 : 4920,
    replicas,
    built: true,
    profile: config.profile === 1,
    env: {
      // Both stacks at once: 24 processes on a PostgreSQL of 100 connections, shared with other work.
      DATABASE_POOL_MAX: '2',
      // Capacity, not the breaker: with the gateway's 1 s budget per subgraph call, a saturated
      // order service trips its circuit and the figure becomes the breaker's (fast refusals).
      SUBGRAPH_TIMEOUT_MS: '10000',
    },
  });
  const pools = Object.fromEntries(
    lagConsumers.map(({ service }) => [
      service,
      new pg.Pool({ connectionString: bench.urls[service], max: 1 }),
    ]),
  ) as Record<(typeof lagConsumers)[number]['service'], pg.Pool>;
  run.cleanup.add(`closing the pools of the ${replicas}-replica stack`, () =>
    Promise.all(Object.values(pools).map((pool) => pool.end())),
  );
  // The catalogue: products with stock enough for every order of the run.
  const names = Array.from({ length: config.products }, () => 'Bench kettle');
  const productIds = await harness.stockedProducts(run, bench.stack.gatewayUrl, names);
  const databases = Object.values(bench.urls).map((url) => new URL(url).pathname.slice(1));
  return { ...bench, pools, productIds, replicas, databases, cpu: bench.cpuMeter() };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

/** The shared PostgreSQL may be out of connections for a moment (other work's tests): try again. */
async function retried<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await query();
    } catch (error) {
      if (attempt === 20) throw error;
      await sleep(500);
    }
  }
}

/** Transactions and (with pg_stat_statements preloaded) statements run so far in the stack's databases. */
async function postgresWork(stack: Stack) {
  const { rows } = await retried(() =>
    stack.pools.order.query<{ xacts: string }>(
      'SELECT sum(xact_commit + xact_rollback) AS xacts FROM pg_stat_database WHERE datname = ANY($1)',
      [stack.databases],
    ),
  );
  // Through the maintenance database as superuser: the view exists where the extension was created
  // (not in the run's fresh databases), and only a superuser sees other roles' statements.
  const statements = await withAdminClient((client) =>
    client.query<{ calls: string }>(
      `SELECT sum(calls) AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = ANY($1)`,
      [stack.databases],
    ),
  ).then(
    ({ rows: [row] }) => Number(row?.calls),
    () => undefined,
  );
  return { transactions: Number(rows[0]?.xacts), statements };
}

/**
 * Orders not settled yet: still PLACED, or without a shipment. NaN when a probe fails (the shared
 * PostgreSQL may be out of connections for a moment): probed again.
 */
async function unsettled(stack: Stack): Promise<number> {
  return Promise.all([
    stack.pools.order.query<{ placed: number; n: number }>(
      "SELECT count(*) FILTER (WHERE status = 'PLACED')::int AS placed, count(*)::int AS n FROM orders",
    ),
    stack.pools.shipping.query<{ n: number }>('SELECT count(*)::int AS n FROM shipments'),
  ]).then(
    ([{ rows: orders }, { rows: shipments }]) =>
      (orders[0]?.placed ?? Number.NaN) + Math.max(0, (orders[0]?.n ?? 0) - (shipments[0]?.n ?? 0)),
    () => Number.NaN,
  );
}

/** `placeOrder` through the gateway from the closed-loop clients for `seconds`, then the wait until every order settled. */
async function placeOrders(run: harness.BenchRun, stack: Stack, seconds: number) {
  const token = await developmentToken('customer', 'customer-001');
  let next = 0;
  const stats = await harness.closedLoop({
    url: stack.stack.gatewayUrl,
    connections: config.connections,
    seconds,
    headers: { authorization: `Bearer ${token}` },
    body: () =>
      JSON.stringify({
        query:
          'mutation ($id: ID!) { placeOrder(input: { customerId: "customer-001", items: [{ productId: $id, quantity: 1 }] }) { id } }',
        variables: { id: stack.productIds[next++ % stack.productIds.length] },
      }),
    check: answered('placeOrder'),
    signal: run.signal,
  });
  const to = new Date();
  const settled = await harness.poll(
    () => unsettled(stack),
    (left) => left === 0,
    { intervalMs: 50, timeoutMs: settleTimeoutMs, signal: run.signal },
  );
  return { stats, to, settled };
}

async function measureRound(
  run: harness.BenchRun,
  stack: Stack,
  roundNumber: number,
  idle: Record<string, number>,
) {
  const from = new Date();
  const cpuBefore = stack.cpu.snapshot();
  const workBefore = await postgresWork(stack);
  const { stats, to, settled } = await placeOrders(run, stack, config.seconds);
  const cpuAfter = stack.cpu.snapshot();
  const workAfter = await postgresWork(stack);
  const orders = Math.max(1, stats.ok);
  const seconds = (cpuAfter.wallMs - cpuBefore.wallMs) / 1000;
  const window = harness.cpuNetOfIdle(harness.cpuBetween(cpuBefore, cpuAfter), idle);
  const cpuMsPerOrder = harness.cpuMsPerRequest(window, orders / seconds);
  const lag: Record<string, harness.Summary> = {};
  for (const { service, consumer } of lagConsumers)
    lag[consumer] = await retried(() =>
      harness.inboxLag(stack.pools[service], consumer, from.toISOString(), to.toISOString()),
    );
  return {
    replicas: stack.replicas,
    round: roundNumber,
    load: harness.loadFigures(stats),
    settleMs: harness.round(settled.elapsedMs, 0),
    settled: settled.met,
    lag,
    /** CPU ms per order of each process group, from the first order until every one settled. */
    cpuMsPerOrder,
    stackCpuMsPerOrder: harness.stackCpuMs(cpuMsPerOrder),
    transactionsPerOrder: harness.round((workAfter.transactions - workBefore.transactions) / orders, 1),
    /** Undefined without pg_stat_statements. */
    statementsPerOrder:
      workAfter.statements === undefined || workBefore.statements === undefined
        ? undefined
        : harness.round((workAfter.statements - workBefore.statements) / orders, 1),
  };
}
type Measurement = Awaited<ReturnType<typeof measureRound>>;

async function measure(run: harness.BenchRun) {
  const stacks = await Promise.all(config.replicas.map((replicas) => startStack(run, replicas)));
  const first = stacks[0];
  if (!first) throw new Error('--replicas names no stack');
  const environment = await harness.describeEnvironment(first.urls.product, first.bus, first.cpu);
  // Every process's own work with nothing to do (relays, queue workers, timers), all stacks idle.
  const idle = (await harness.idleCpu(first.cpu, 3_000, run.signal)).percentOfOneCore;
  // Unmeasured: every process's hot paths compiled, PostgreSQL's caches and plans warm.
  harness.logger.info('warm-up (not measured)', { seconds: config.warmUpSeconds });
  for (const stack of stacks) await placeOrders(run, stack, config.warmUpSeconds);
  const measurements: Measurement[] = [];
  for (let r = 1; r <= config.rounds; r++) {
    for (const stack of r % 2 === 1 ? stacks : [...stacks].reverse())
      measurements.push(await measureRound(run, stack, r, idle));
  }
  // The profiles are written as each process exits.
  for (const stack of stacks) if (stack.profileDir) await stack.stack.stop();
  const profileDirs = stacks.flatMap((stack) => stack.profileDir ?? []);
  return { environment, results: { idle, measurements, profileDirs } };
}

type Results = Awaited<ReturnType<typeof measure>>['results'];

function report({ measurements, profileDirs }: Results): harness.ReportBlock[] {
  const perReplicas = config.replicas.map((replicas) => {
    const of = measurements.filter((m) => m.replicas === replicas);
    const pick = (value: (m: Measurement) => number | undefined) => harness.medianOf(of, value);
    const groups = [...new Set(of.flatMap((m) => Object.keys(m.cpuMsPerOrder)))].filter(harness.isStackGroup);
    return {
      replicas,
      okPerSecond: pick((m) => m.load.okPerSecond),
      settleMs: pick((m) => (m.settled ? m.settleMs : Number.NaN)),
      stackCpuMs: pick((m) => m.stackCpuMsPerOrder),
      cpu: Object.fromEntries(groups.map((group) => [group, pick((m) => m.cpuMsPerOrder[group])])),
    };
  });
  const one = perReplicas[0];
  return [
    `\nplaceOrder through the gateway, ${config.connections} closed-loop clients for ${config.seconds} s per round; medians across ${config.rounds} round(s)`,
    harness.columns(measurements, {
      round: (m) => m.round,
      replicas: (m) => m.replicas,
      'orders/s': (m) => m.load.okPerSecond,
      failed: (m) => m.load.failed,
      'p50 ms': (m) => m.load.latencyMs.p50,
      'p99 ms': (m) => m.load.latencyMs.p99,
      'settled after ms': (m) => (m.settled ? m.settleMs : `over ${settleTimeoutMs}`),
      'stack CPU ms/order': (m) => m.stackCpuMsPerOrder,
      'transactions/order': (m) => m.transactionsPerOrder,
      'statements/order': (m) => m.statementsPerOrder ?? 'n/a',
      ...Object.fromEntries(
        lagConsumers.map(({ consumer }) => [`lag ${consumer} p99`, (m: Measurement) => m.lag[consumer]?.p99]),
      ),
    }),
    '\nCPU ms per order by process (medians; net of idle)',
    harness.columns(perReplicas, {
      replicas: (r) => r.replicas,
      ...Object.fromEntries(
        [...new Set(perReplicas.flatMap((r) => Object.keys(r.cpu)))].map((group) => [
          group,
          (r: (typeof perReplicas)[number]) => r.cpu[group],
        ]),
      ),
      stack: (r) => r.stackCpuMs,
    }),
    ...(one
      ? [
          `\ngoals (one replica): stack CPU per order ${one.stackCpuMs} ms (<= 12: ${one.stackCpuMs <= 12 ? 'met' : 'MISSED'}), settled ${one.settleMs} ms after the last acknowledgement (<= 1000: ${one.settleMs <= 1000 ? 'met' : 'MISSED'}), ${one.okPerSecond} orders/s from ${config.connections} clients (>= 120: ${one.okPerSecond >= 120 ? 'met' : 'MISSED'})`,
        ]
      : []),
    ...profileDirs.map((dir) => `\nCPU profiles (open in Chrome DevTools or speedscope): ${dir}`),
  ];
}

harness.runBench(name, { watchdogMs: 15 * 60_000, environment: process.env }, async (run) => {
  const { environment, results } = await measure(run);
  harness.publish(run, { ...options, standard }, environment, results, {
    title:
      name === 'replicas'
        ? 'Scale-out: one replica of everything against two, side by side'
        : 'The write path: orders placed, reactions settled, cost per order',
    blocks: report(results),
  });
});
