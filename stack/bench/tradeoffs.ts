/**
 * The trade-offs, measured in one run on the same data: reading a copied name by synchronous call,
 * from the local copy or through the warm entity cache; the hybrid ride read (also with @defer);
 * renames STRONG against EVENTUAL; read your writes with and without the consistency token; each
 * again with the owner, the copy holder or its consumers paused; propagation lag; storage. Writes
 * docs/tradeoffs.md and its charts. How: stack/bench/README.md.
 *
 *   npm run bench                     # about 6 minutes (--quick: about 3)
 */
import { queueName } from '@msd/events';
import { serviceNames } from '@msd/registry';
import { counterIn, graphqlRequest } from '@msd/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { demoData } from '../src/index.ts';
import * as harness from './harness/index.ts';
import { answered, answerKinds, listRead } from './reads.ts';
import { type DeferRead, deferRead, readYourWrites } from './tradeoffs/clientScenarios.ts';
import { copyStorage, entityCacheStorage } from './tradeoffs/copyStorage.ts';
import { type Scrape, scrape, scrapeMetrics, trafficBetween } from './tradeoffs/serviceTraffic.ts';
import { tradeoffsChartSpecs } from './tradeoffs/tradeoffsCharts.ts';
import { tradeoffsReport, writeTradeoffsPage } from './tradeoffs/tradeoffsPage.ts';
import type { PhaseResult, Scenario, Situation, TradeoffsResults } from './tradeoffs/tradeoffsResults.ts';

const options = harness.benchOptions(
  'npm run bench -- [--quick] [--<figure> <value>]',
  {
    connections: 8,
    renameConnections: 4,
    rounds: 3,
    phaseSeconds: 8,
    /** Unmeasured load on each read and rename first, so JIT compilation and pool growth are not in the figures. */
    warmUpSeconds: 3,
    outageSeconds: 6,
    /** STRONG renames one at a time after the rounds, each checked on return. */
    strongChecks: 20,
    participantTimeoutMs: 2_000,
    /** Read your writes: sessions (each a write and a read with the token, then without), so many at once. */
    sessions: 200,
    sessionsAtOnce: 4,
    /** The hybrid read with and without @defer, one request at a time, healthy; a quarter of it with the driver down. */
    deferRounds: 20,
  },
  {
    rounds: 1,
    phaseSeconds: 2,
    warmUpSeconds: 1,
    outageSeconds: 3,
    strongChecks: 5,
    sessions: 20,
    deferRounds: 4,
  },
);
const { config } = options;
const portBase = 4700;
const offGatewayPort = 4708;
const orders = 100;
const rides = Math.min(100, demoData().rides.length);
const convergeTimeoutMs = 60_000;

const cacheUrl = `http://127.0.0.1:${portBase}/graphql`;
const offUrl = `http://127.0.0.1:${offGatewayPort}/graphql`;
const queries = {
  sync: `query SyncRead { orders(first: ${orders}) { id items { quantity product { name } } } }`,
  copy: `query CopyRead { orders(first: ${orders}) { id items { quantity productName } } }`,
  hybrid: `query HybridRead { rides(first: ${rides}) { id driverName driver { name rating car { model } } } }`,
  deferred: `query DeferredRead { rides(first: ${rides}) { id driverName ... @defer { driver { name rating car { model } } } } }`,
  rename:
    'mutation Rename($id: ID!, $name: String!, $consistency: Consistency!) { renameProduct(id: $id, name: $name, consistency: $consistency) { id version } }',
};
const named =
  (field: 'product' | 'productName') =>
  (order: { items: { product?: { name?: string }; productName?: string }[] }) =>
    order.items.every(
      (item) => typeof (field === 'product' ? item.product?.name : item.productName) === 'string',
    );
const checks = {
  sync: listRead('orders', orders, named('product')),
  copy: listRead('orders', orders, named('productName')),
  // The ride's own driverName is there even when the driver service is not.
  hybrid: listRead(
    'rides',
    rides,
    (ride) => ride.driver?.name === ride.driverName,
    (ride) => !!ride.driverName,
  ),
};

/** The services paused one after another, and the scenarios that reach each. */
const outages = ['product', 'order', 'driver'] as const;
type Outage = (typeof outages)[number];
const outageScenarios: Record<Outage, Scenario[]> = {
  product: ['read.sync', 'read.copy', 'read.cache', 'rename.strong', 'rename.eventual'],
  order: ['read.sync', 'read.copy', 'read.cache', 'rename.strong', 'rename.eventual'],
  driver: ['hybrid.sync', 'hybrid.cache'],
};

/** The load of a scenario: where it goes, with what, checked how, by how many clients. */
type Load = Pick<Parameters<typeof harness.closedLoop>[0], 'url' | 'body' | 'check' | 'connections'>;

/** Medians across the healthy EVENTUAL rounds of each round's lag, relay and delivery percentiles. */
function propagationMedians(phases: readonly PhaseResult[]) {
  const rounds = phases.filter((p) => p.scenario === 'rename.eventual' && p.situation === 'healthy');
  const of = (pick: (p: PhaseResult) => harness.Summary | undefined) => ({
    p50: harness.medianOf(rounds, (p) => pick(p)?.p50, 1),
    p99: harness.medianOf(rounds, (p) => pick(p)?.p99, 1),
  });
  return {
    events: rounds.reduce((n, p) => n + (p.lagMs?.n ?? 0), 0),
    lagMs: of((p) => p.lagMs),
    relayMs: of((p) => p.relayMs),
    deliveryMs: of((p) => p.deliveryMs),
  };
}

async function measure(run: harness.BenchRun) {
  const demo = demoData();
  const bench = await harness.startBenchStack(run, {
    portBase,
    demoData: true,
    env: {
      // Outages are measured against the gateway's default time budget per subgraph call.
      SUBGRAPH_TIMEOUT_MS: '1000',
      ENTITY_CACHE: 'on',
      ENTITY_CACHE_TYPES: 'Product:product,Driver:driver',
      // Entries live through the run: only ProductUpdated events invalidate them.
      ENTITY_CACHE_TTL: '3600',
      // One operator drives the whole load: a per-caller budget would refuse the load itself.
      RATE_LIMIT: 'off',
      RENAME_PARTICIPANT_TIMEOUT_MS: String(config.participantTimeoutMs),
    },
  });
  const { stack, urls, bus } = bench;
  // Registered after the stack: cleanup runs in reverse, so a paused service resumes before the stop.
  run.cleanup.add('resuming paused services', () => {
    for (const service of outages) stack.signal(service, 'SIGCONT');
  });
  await harness.startProcessBeside(run, bench, {
    name: 'gateway (cache off)',
    entry: 'gateway/src/index.ts',
    port: offGatewayPort,
    env: { ENTITY_CACHE: 'off' },
  });
  const cpu = bench.cpuMeter();
  const environment = await harness.describeEnvironment(urls.product, bus, cpu);
  const probes = harness.eventPathProbes(run, bench, cpu, convergeTimeoutMs);
  const { productDb, orderDb, queue } = probes;
  const rideQueue = new Queue(queueName('DriverUpdated', 'ride'), {
    connection: bus.connection,
    prefix: bus.prefix,
  });
  const redis = new Redis({ ...bus.connection, maxRetriesPerRequest: 1 });
  run.cleanup.add('closing the probes', async () => {
    redis.disconnect();
    await rideQueue.resume().catch(() => {});
    await rideQueue.close().catch(() => {});
  });

  // Calls are counted at the services (the coordinator included); events at every process.
  const gatewayPorts = { gateway: portBase, 'gateway (cache off)': offGatewayPort };
  const servicePorts = (down: string | undefined) =>
    Object.fromEntries(serviceNames.filter((name) => name !== down).map((name) => [name, stack.ports[name]]));
  const cacheLookups = (texts: Record<string, string>, type: 'Product' | 'Driver', result: 'hit' | 'miss') =>
    counterIn(texts.gateway ?? '', 'entity_cache_lookups_total', { type, result });
  /** Calls both gateways sent to `subgraph` (ok, failed, timed out), and those the open circuit refused to send. */
  const callsFromGateways = (s: Scrape, subgraph: string) => {
    const count = (outcome: string) =>
      Object.values(s.gateways).reduce(
        (n, text) => n + counterIn(text, 'subgraph_calls_total', { subgraph, outcome }),
        0,
      );
    return { sent: count('ok') + count('failed') + count('timeout'), rejected: count('rejected') };
  };

  // The products renamed: those with the most order-item copies, one per rename client.
  const copiesPerProduct = new Map<string, number>();
  for (const item of demo.orderItems)
    copiesPerProduct.set(item.productId, (copiesPerProduct.get(item.productId) ?? 0) + 1);
  const renamedProducts = [...copiesPerProduct.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, config.renameConnections)
    .map(([id, copies]) => ({ id, copies }));
  let renameSeq = 0;
  const renameLoad = (consistency: 'STRONG' | 'EVENTUAL'): Load => ({
    url: cacheUrl,
    connections: config.renameConnections,
    check: answered('renameProduct'),
    body: (connection) =>
      JSON.stringify({
        query: queries.rename,
        operationName: 'Rename',
        variables: {
          id: renamedProducts[connection % renamedProducts.length]?.id,
          name: `${consistency} ${connection} #${renameSeq++}`,
          consistency,
        },
      }),
  });
  const read = (url: string, kind: keyof typeof checks): Load => ({
    url,
    body: () => JSON.stringify({ query: queries[kind] }),
    check: checks[kind],
    connections: config.connections,
  });
  const loads: Record<Scenario, Load> = {
    'read.sync': read(offUrl, 'sync'),
    'read.copy': read(offUrl, 'copy'),
    'read.cache': read(cacheUrl, 'sync'),
    'hybrid.sync': read(offUrl, 'hybrid'),
    'hybrid.cache': read(cacheUrl, 'hybrid'),
    'rename.strong': renameLoad('STRONG'),
    'rename.eventual': renameLoad('EVENTUAL'),
  };
  const drive = (load: Load, seconds: number) => harness.closedLoop({ ...load, seconds, signal: run.signal });
  /** Fills the entity cache with every product and driver of the reads (a few requests, not measured). */
  const fillCache = async () => {
    for (const scenario of ['read.cache', 'hybrid.cache'] as const)
      await harness.closedLoop({ ...loads[scenario], connections: 2, amount: 4, signal: run.signal });
  };

  /** Each phase's span on PostgreSQL's clock, the one that stamps both ends of an event's lag. */
  const windows = new Map<PhaseResult, { dbFrom: string; dbTo: string }>();
  /** One measured phase: the load, its answers, CPU per process, calls and events counted. */
  const phase = async (
    scenario: Scenario,
    situation: Situation,
    roundNo: number,
    seconds: number,
    down?: Outage,
  ): Promise<PhaseResult> => {
    harness.logger.info('phase', { scenario, situation, round: roundNo, seconds });
    const load = loads[scenario];
    const live = servicePorts(down);
    const eventual = scenario === 'rename.eventual';
    const before = await scrape(live, gatewayPorts, 'before');
    const dbFrom = await probes.dbNow();
    const cpuBefore = cpu.snapshot();
    const stats = await drive(load, seconds);
    const dbTo = await probes.dbNow();
    // EVENTUAL's work goes on after its answer: its CPU is counted until every copy is current.
    const converged = eventual && !down ? await probes.convergence() : undefined;
    const cpuAfter = cpu.snapshot();
    const after = await scrape(live, gatewayPorts, 'after');
    const traffic = trafficBetween(before, after);
    const cpuSeconds = (cpuAfter.wallMs - cpuBefore.wallMs) / 1000;
    const cpuUse = harness.cpuBetween(cpuBefore, cpuAfter);
    const perRequest = harness.cpuMsPerRequest(cpuUse, stats.requests / cpuSeconds);
    const requests = Math.max(1, stats.requests);
    const result: PhaseResult = {
      scenario,
      situation,
      round: roundNo,
      connections: load.connections,
      requests: stats.requests,
      requestsPerSecond: harness.round(stats.requests / (stats.elapsedMs / 1000)),
      latencyMs: harness.summarize(stats.latencies),
      answers: answerKinds(stats),
      problems: stats.problems,
      cpuSeconds: harness.round(cpuSeconds, 2),
      cpu: cpuUse,
      cpuMsPerRequest: perRequest,
      stackCpuMsPerRequest: harness.stackCpuMs(perRequest),
      traffic,
      callsPerRequest: harness.round(traffic.calls / requests, 2),
      eventsPerRequest: harness.round(traffic.events / requests, 2),
    };
    if (scenario.endsWith('.cache')) {
      const type = scenario === 'read.cache' ? 'Product' : 'Driver';
      const [hit, miss] = (['hit', 'miss'] as const).map(
        (kind) => cacheLookups(after.gateways, type, kind) - cacheLookups(before.gateways, type, kind),
      ) as [number, number];
      result.cacheHitPercent = harness.round((100 * hit) / Math.max(1, hit + miss));
    }
    if (down) {
      const [from, to] = [callsFromGateways(before, down), callsFromGateways(after, down)];
      result.callsToDown = { sent: to.sent - from.sent, rejected: to.rejected - from.rejected };
    }
    if (eventual && !down) {
      Object.assign(result, await probes.lagBreakdown(dbFrom, dbTo));
      result.convergedAfterMs = converged?.elapsedMs;
      if (!converged?.converged) throw new Error(`copies did not converge: ${JSON.stringify(converged)}`);
    }
    windows.set(result, { dbFrom, dbTo });
    return result;
  };

  /** Until both gateways give complete answers to the synchronous reads again. */
  const untilComplete = async () => {
    const started = performance.now();
    for (const url of [offUrl, cacheUrl]) {
      for (const read of ['sync', 'hybrid'] as const) {
        const polled = await harness.poll(
          () =>
            graphqlRequest(url, queries[read], {}, { as: 'operator' }).then(
              (answer) => answer.status === 200 && checks[read](JSON.stringify(answer)) === undefined,
              () => false,
            ),
          (complete) => complete,
          { intervalMs: 250, timeoutMs: 30_000, signal: run.signal },
        );
        if (!polled.met) throw new Error(`${url} gives no complete answer to the ${read} read`);
      }
    }
    return harness.round(performance.now() - started, 0);
  };
  /** Until no participant holds a prepared rename (after an outage, recovery decides them). */
  const untilDecided = () =>
    harness.poll(
      async () => {
        let prepared = 0;
        for (const db of [productDb, orderDb])
          prepared +=
            (await db.query("SELECT 1 FROM pending_renames WHERE state = 'PREPARED'")).rowCount ?? 0;
        return prepared;
      },
      (n) => n === 0,
      { intervalMs: 250, timeoutMs: 60_000, signal: run.signal },
    );

  await untilComplete();
  const seededItems = await orderDb.query<{ n: number }>('SELECT count(*)::int AS n FROM order_items');
  const data = {
    products: demo.products.length,
    orders: demo.orders.length,
    orderItems: seededItems.rows[0]?.n ?? 0,
    rides: demo.rides.length,
    drivers: demo.drivers.length,
  };
  harness.logger.info('seeded', data);

  harness.logger.info('warm-up (not measured)', { seconds: config.warmUpSeconds });
  for (const scenario of Object.keys(loads) as Scenario[]) {
    await drive(loads[scenario], config.warmUpSeconds);
    if (scenario === 'rename.eventual') await probes.convergence();
  }
  await probes.convergence();

  harness.logger.info('idle (not loaded)', { seconds: 2 });
  const idle = await harness.idleCpu(cpu, 2_000, run.signal);

  // Healthy: rounds of the reads, then of the renames, the order rotated per round.
  const phases: PhaseResult[] = [];
  const reads: Scenario[] = ['read.sync', 'read.copy', 'read.cache', 'hybrid.sync', 'hybrid.cache'];
  const renames: Scenario[] = ['rename.strong', 'rename.eventual'];
  for (let r = 0; r < config.rounds; r++) {
    for (const group of [reads, renames]) {
      const order = group.map((_, i) => group[(i + r) % group.length] as Scenario);
      for (const scenario of order) {
        if (scenario.endsWith('.cache')) await fillCache();
        phases.push(await phase(scenario, 'healthy', r + 1, config.phaseSeconds));
      }
    }
  }

  // STRONG one at a time, each checked on return: every copy must hold the name already.
  const strongLatencies: number[] = [];
  let staleCopies = 0;
  const checked = renamedProducts[0];
  if (!checked) throw new Error('no product to rename');
  for (let i = 0; i < config.strongChecks; i++) {
    const renamed = await probes.renameStrong(cacheUrl, checked.id, `STRONG checked #${i}`);
    strongLatencies.push(renamed.ms);
    staleCopies += renamed.staleOnReturn;
  }
  await probes.convergence();

  // Read your writes: each session renames what the reads show (products of the first orders, drivers of the first rides).
  const shown = await graphqlRequest<{
    orders: { items: { product: { id: string } | null }[] }[];
    rides: { driverId: string }[];
  }>(
    cacheUrl,
    `{ orders(first: ${orders}) { items { product { id } } } rides(first: ${rides}) { driverId } }`,
    {},
    { as: 'operator' },
  );
  const ids = {
    products: [
      ...new Set(shown.data?.orders.flatMap((o) => o.items.flatMap((item) => item.product?.id ?? []))),
    ],
    drivers: [...new Set(shown.data?.rides.map((ride) => ride.driverId))],
  };
  if (ids.products.length < config.sessionsAtOnce || ids.drivers.length < config.sessionsAtOnce)
    throw new Error(
      `read your writes: each session needs products and drivers of its own (${JSON.stringify(shown.errors)})`,
    );
  const sessionsOf = async (situation: string) => {
    harness.logger.info('read your writes', { situation, sessions: config.sessions });
    const parallel = config.sessionsAtOnce;
    const result = await readYourWrites(cacheUrl, ids, { situation, sessions: config.sessions, parallel });
    if (result.reads === 0) throw new Error(`read your writes (${situation}): every write failed`);
    return result;
  };
  const readsYourWrites = [await sessionsOf('healthy')];
  await Promise.all([queue.pause(), rideQueue.pause()]);
  try {
    readsYourWrites.push(await sessionsOf('order and ride consumers paused'));
  } finally {
    await Promise.all([queue.resume(), rideQueue.resume()]);
  }
  await probes.convergence();
  const deferOf = (situation: string, rounds: number) =>
    deferRead(
      offUrl,
      { deferred: queries.deferred, whole: queries.hybrid },
      { situation, rounds, signal: run.signal },
    );
  const defer: DeferRead[] = [await deferOf('healthy', config.deferRounds)];

  // Outages: the owners, then the copy holder, paused for one phase per scenario that reaches them.
  const recoveredAfterResumeMs: Partial<Record<Situation, number>> = {};
  let orderDown: TradeoffsResults['propagation']['orderDown'] | undefined;
  for (const down of outages) {
    const situation: Situation = `${down} down`;
    const misses = async () => {
      await fillCache();
      const texts = await scrapeMetrics({ gateway: portBase });
      return cacheLookups(texts, 'Product', 'miss') + cacheLookups(texts, 'Driver', 'miss');
    };
    const [filled, refilled] = [await misses(), await misses()];
    if (filled !== refilled) throw new Error('the entity cache is not warm before the outage');
    harness.logger.info('pausing', { service: down });
    stack.signal(down, 'SIGSTOP');
    const pausedAt = performance.now();
    let eventualWindow: { dbFrom: string; dbTo: string } | undefined;
    try {
      // Before the hybrid loads: the first of these reads meet the budget, not an open breaker.
      if (down === 'driver') defer.push(await deferOf('driver down', Math.ceil(config.deferRounds / 4)));
      for (const scenario of outageScenarios[down]) {
        const result = await phase(scenario, situation, 1, config.outageSeconds, down);
        phases.push(result);
        if (scenario === 'rename.eventual') eventualWindow = windows.get(result);
      }
    } finally {
      stack.signal(down, 'SIGCONT');
    }
    const resumedAt = performance.now();
    harness.logger.info('resumed', { service: down });
    const converged = await probes.convergence();
    if (!converged.converged) throw new Error(`copies did not converge after ${down} resumed`);
    if (down === 'order' && eventualWindow)
      orderDown = {
        pausedMs: harness.round(resumedAt - pausedAt, 0),
        lagMs: await probes.lag(eventualWindow.dbFrom, eventualWindow.dbTo),
        convergedAfterResumeMs: harness.round(performance.now() - resumedAt, 0),
      };
    if (!(await untilDecided()).met) throw new Error('prepared renames left undecided after the outage');
    recoveredAfterResumeMs[situation] = await untilComplete();
  }

  const medians = [...reads, ...renames].map((scenario) => {
    const rounds = phases.filter((p) => p.scenario === scenario && p.situation === 'healthy');
    const of = (pick: (p: PhaseResult) => number | undefined, digits = 1) =>
      harness.medianOf(rounds, pick, digits);
    const groups = [...new Set(rounds.flatMap((p) => Object.keys(p.cpuMsPerRequest)))];
    const sum = (kind: 'complete' | 'degraded' | 'refused') =>
      rounds.reduce((n, p) => n + p.answers[kind], 0);
    return {
      scenario,
      rounds: rounds.length,
      requestsPerSecond: of((p) => p.requestsPerSecond),
      p50: of((p) => p.latencyMs.p50),
      p99: of((p) => p.latencyMs.p99),
      stackCpuMsPerRequest: of((p) => p.stackCpuMsPerRequest, 2),
      callsPerRequest: of((p) => p.callsPerRequest, 2),
      eventsPerRequest: of((p) => p.eventsPerRequest, 2),
      cpuMsPerRequest: Object.fromEntries(groups.map((g) => [g, of((p) => p.cpuMsPerRequest[g], 2)])),
      answers: { complete: sum('complete'), degraded: sum('degraded'), refused: sum('refused') },
      ...(scenario.endsWith('.cache') ? { cacheHitPercent: of((p) => p.cacheHitPercent) } : {}),
    };
  });

  if (!orderDown) throw new Error('no EVENTUAL phase with the order service down');
  const results: TradeoffsResults = {
    data,
    queries,
    renamedProducts,
    idleCpu: idle,
    phases,
    medians,
    strongOnReturn: {
      renames: config.strongChecks,
      staleCopies,
      latencyMs: harness.summarize(strongLatencies),
    },
    propagation: { healthy: propagationMedians(phases), orderDown },
    storage: { copies: await copyStorage(urls), entityCache: await entityCacheStorage(redis, bus.prefix) },
    recoveredAfterResumeMs,
    readYourWrites: readsYourWrites,
    defer,
  };
  return { environment, results };
}

harness.runBench('tradeoffs', { watchdogMs: 40 * 60_000, environment: process.env }, async (run) => {
  const { environment, results } = await measure(run);
  const file = harness.publish(run, options, environment, results, {
    title: 'Trade-offs: the ways of sharing data, measured side by side',
    blocks: tradeoffsReport(results),
  });
  const charts = await harness.writeCharts(tradeoffsChartSpecs(results), options.standard);
  const page = writeTradeoffsPage(file, charts, options.standard);
  console.log(`charts: ${charts.join(', ')}\npage: ${page}`);
});
