import { developmentToken } from '@msd/service-kit';
import { graphqlRequest } from '@msd/testing';
import pg from 'pg';
import {
  type BenchRun,
  benchOptions,
  type Check,
  closedLoop,
  describeEnvironment,
  type LoadFigures,
  loadFigures,
  logger,
  median,
  poll,
  publish,
  type ReportBlock,
  round,
  runBench,
  type Summary,
  startBenchStack,
  summarize,
} from './harness/index.ts';

const options = benchOptions(
  'npm run bench:replicas -- [--quick] [--<figure> <value>]',
  { rounds: 3, seconds: 20, connections: 8, products: 20 },
  { rounds: 1, seconds: 4 },
);
const { config } = options;
const settleTimeoutMs = 120_000;
const lagConsumers = [
  { service: 'inventory', consumer: 'OrderCreated.inventory' },
  { service: 'shipping', consumer: 'OrderCreated.shipping' },
  { service: 'order', consumer: 'StockReserved.order' },
] as const;

interface Measurement {
  replicas: number;
  round: number;
  load: LoadFigures;
  /** From the end of the load until every order placed is CONFIRMED. */
  settleMs: number;
  settled: boolean;
  /** Per consumer: lag of the events that occurred during the load, ms. */
  lag: Record<string, Summary>;
}

async function startStack(run: BenchRun, replicas: number) {
  const bench = await startBenchStack(run, {
    variant: `r${replicas}`,
    portBase: replicas === 1 ? 4900 : 4920,
    replicas,
    built: true,
    env: {
      // Both stacks at once: 24 processes on a PostgreSQL of 100 connections, shared with other work.
      DATABASE_POOL_MAX: '2',
      // Capacity, not the breaker: with the gateway's 1 s budget per subgraph call, a saturated
      // order service trips its circuit and the figure becomes the breaker's (fast refusals).
      SUBGRAPH_TIMEOUT_MS: '10000',
      SUBGRAPH_COORDINATOR_TIMEOUT_MS: '15000',
    },
  });
  const pools = Object.fromEntries(
    (['order', 'inventory', 'shipping'] as const).map((service) => [
      service,
      new pg.Pool({ connectionString: bench.urls[service], max: 1 }),
    ]),
  ) as Record<'order' | 'inventory' | 'shipping', pg.Pool>;
  run.cleanup.add(`closing the pools of the ${replicas}-replica stack`, () =>
    Promise.all(Object.values(pools).map((pool) => pool.end())),
  );
  // The catalogue: products with stock enough for every order of the run.
  const productIds: string[] = [];
  for (let i = 0; i < config.products; i++) {
    const created = await graphqlRequest<{ createProduct: { id: string } }>(
      bench.stack.gatewayUrl,
      'mutation ($sku: String!) { createProduct(input: { sku: $sku, name: "Bench kettle", price: 10 }) { id } }',
      { sku: `R-${i}` },
      { as: 'operator' },
    );
    const id = created.data?.createProduct.id;
    if (!id) throw new Error(`createProduct failed: ${JSON.stringify(created.errors)}`);
    productIds.push(id);
  }
  const restock = await poll(
    async () =>
      Promise.all(
        productIds.map(
          async (id) =>
            (
              await graphqlRequest(
                bench.stack.gatewayUrl,
                'mutation ($id: ID!) { restock(productId: $id, quantity: 1000000) { stock } }',
                { id },
                { as: 'operator' },
              )
            ).errors === undefined,
        ),
      ),
    (done) => done.every(Boolean),
    { intervalMs: 500, timeoutMs: 30_000, signal: run.signal },
  );
  if (!restock.met) throw new Error('restock failed (inventory never heard of the products?)');
  return { ...bench, pools, productIds, replicas };
}
type Stack = Awaited<ReturnType<typeof startStack>>;

/** The shared PostgreSQL may be out of connections for a moment (other work's tests): try again. */
async function retried<T>(query: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await query();
    } catch (error) {
      if (attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function measureRound(run: BenchRun, stack: Stack, roundNumber: number): Promise<Measurement> {
  const token = await developmentToken('customer', 'customer-001');
  const from = new Date();
  let next = 0;
  const check: Check = (body) => {
    const answer = JSON.parse(body) as {
      data?: { placeOrder?: { id: string } };
      errors?: { message: string }[];
    };
    return answer.data?.placeOrder ? undefined : (answer.errors?.[0]?.message ?? 'no order').slice(0, 60);
  };
  const stats = await closedLoop({
    url: stack.stack.gatewayUrl,
    connections: config.connections,
    seconds: config.seconds,
    headers: { authorization: `Bearer ${token}` },
    body: () =>
      JSON.stringify({
        query:
          'mutation ($id: ID!) { placeOrder(input: { customerId: "customer-001", items: [{ productId: $id, quantity: 1 }] }) { id } }',
        variables: { id: stack.productIds[next++ % stack.productIds.length] },
      }),
    check,
    signal: run.signal,
  });
  const to = new Date();
  const settled = await poll(
    async () =>
      Number(
        (
          await stack.pools.order
            .query<{ n: string }>("SELECT count(*) AS n FROM orders WHERE status = 'PLACED'")
            // The shared PostgreSQL may be out of connections for a moment: probe again.
            .catch(() => ({ rows: [{ n: 'NaN' }] }))
        ).rows[0]?.n,
      ),
    (placed) => placed === 0,
    { intervalMs: 100, timeoutMs: settleTimeoutMs, signal: run.signal },
  );
  const lag: Record<string, Summary> = {};
  for (const { service, consumer } of lagConsumers) {
    const { rows } = await retried(() =>
      stack.pools[service].query<{ lag: number }>(
        `SELECT lag_ms AS lag FROM processed_events
       WHERE consumer = $1
         AND processed_at - lag_ms * interval '1 millisecond' >= $2::timestamptz
         AND processed_at - lag_ms * interval '1 millisecond' < $3::timestamptz`,
        [consumer, from.toISOString(), to.toISOString()],
      ),
    );
    lag[consumer] = summarize(rows.map((row) => Number(row.lag)));
  }
  const measurement = {
    replicas: stack.replicas,
    round: roundNumber,
    load: loadFigures(stats),
    settleMs: round(settled.elapsedMs, 0),
    settled: settled.met,
    lag,
  };
  logger.info('round measured', {
    replicas: stack.replicas,
    round: roundNumber,
    okPerSecond: measurement.load.okPerSecond,
    settleMs: measurement.settleMs,
  });
  return measurement;
}

async function measure(run: BenchRun) {
  const [one, two] = await Promise.all([startStack(run, 1), startStack(run, 2)]);
  const environment = await describeEnvironment(one.urls.product, one.bus, one.cpuMeter());
  const measurements: Measurement[] = [];
  for (let r = 1; r <= config.rounds; r++) {
    for (const stack of r % 2 === 1 ? [one, two] : [two, one])
      measurements.push(await measureRound(run, stack, r));
  }
  return { environment, results: { measurements } };
}

type Results = Awaited<ReturnType<typeof measure>>['results'];

function report({ measurements }: Results): ReportBlock[] {
  const ms = (value: number) => (Number.isFinite(value) ? `${round(value)}` : 'n/a');
  const rowOf = (m: Measurement) => [
    m.round,
    m.replicas,
    m.load.okPerSecond,
    m.load.failed,
    ms(m.load.latencyMs.p50),
    ms(m.load.latencyMs.p99),
    ...lagConsumers.flatMap(({ consumer }) => [
      ms(m.lag[consumer]?.p50 ?? Number.NaN),
      ms(m.lag[consumer]?.p99 ?? Number.NaN),
    ]),
    m.settled ? m.settleMs : `over ${settleTimeoutMs}`,
  ];
  const headers = [
    'round',
    'replicas',
    'orders/s',
    'failed',
    'p50 ms',
    'p99 ms',
    ...lagConsumers.flatMap(({ service }) => [`lag→${service} p50`, 'p99']),
    'settled after ms',
  ];
  const medians = [1, 2].map((replicas) => {
    const of = measurements.filter((m) => m.replicas === replicas);
    const pick = (value: (m: Measurement) => number) => round(median(of.map(value)));
    return [
      'median',
      replicas,
      pick((m) => m.load.okPerSecond),
      pick((m) => m.load.failed),
      pick((m) => m.load.latencyMs.p50),
      pick((m) => m.load.latencyMs.p99),
      ...lagConsumers.flatMap(({ consumer }) => [
        pick((m) => m.lag[consumer]?.p50 ?? Number.NaN),
        pick((m) => m.lag[consumer]?.p99 ?? Number.NaN),
      ]),
      pick((m) => (m.settled ? m.settleMs : Number.NaN)),
    ];
  });
  return [
    `\nplaceOrder through the gateway, ${config.connections} closed-loop connections for ${config.seconds} s per round; lag of the events that occurred during the load (ms)`,
    { headers, rows: [...measurements.map(rowOf), ...medians] },
  ];
}

runBench('replicas', { watchdogMs: 15 * 60_000 }, async (run) => {
  const { environment, results } = await measure(run);
  publish(run, options, environment, results, {
    title: 'Scale-out: one replica of everything against two, side by side',
    blocks: report(results),
  });
});
