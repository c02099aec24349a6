/**
 * Hybrid reads: `rides(first: 100) { driverName driver { name rating car { model } } }` through the
 * gateway with the entity cache warm, cold and off, side by side in one run; then through the
 * cache-off gateway with the driver service hanging (SIGSTOP) and stopped (SIGTERM).
 *
 * How: the stack on 4400–4407 (entity cache on) and a second gateway process on 4408 with
 * `ENTITY_CACHE=off` in front of the same subgraphs, databases `<service>_db_benchhybrid` holding the
 * demo set (100 rides over 20 drivers). 8 closed-loop clients (autocannon connections), each under
 * its own operation name, so its cache fields are its own. Warm: the cache gateway, filled. Cold:
 * the cache gateway in waves of 8 (each wave on fresh connections), the run's entity cache keys
 * deleted before each wave, outside the latency; throughput = requests / summed request time per
 * client. Off: the second gateway. Rounds rotate the order; figures are medians across rounds. The
 * gateway's `entity_cache_lookups_total` confirms 100 % / 0 % hits. Latency is the client's.
 *
 *   npm run bench:hybrid              # about 2 minutes
 *   npm run bench:hybrid -- --quick   # one 2 s round and 3 s dead phases, to check the script itself
 *   npm run bench:hybrid -- --help    # every figure that can be set
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { readCounter } from '@msd/testing';
import { Redis } from 'ioredis';
import { demoData, seedDemoData } from '../src/index.ts';
import {
  type BenchRun,
  benchOptions,
  busyRequestsPerSecond,
  type Check,
  type ClosedLoopStats,
  type CpuUse,
  closedLoop,
  columns,
  combineLoads,
  cpuBetween,
  cpuColumns,
  cpuMsPerRequest,
  describeEnvironment,
  type LoadFigures,
  loadFigures,
  logger,
  median,
  type Poster,
  poll,
  poster,
  publish,
  type ReportBlock,
  round,
  runBench,
  type Summary,
  stackCpuMeter,
  startBenchStack,
  startProcessBeside,
  summarize,
} from './harness/index.ts';
import { completeRides, degradedRides } from './hybrid/ridesAnswers.ts';

const options = benchOptions(
  'npm run bench:hybrid -- [--quick] [--<figure> <value>]',
  {
    clients: 8,
    rounds: 3,
    phaseSeconds: 8,
    /** Unmeasured load on each gateway first, so JIT compilation and pool growth are not in the figures. */
    warmUpSeconds: 3,
    deadSeconds: 8,
    /** The gateway's time budget for the driver service: the default, set explicitly so it is known. */
    driverTimeoutMs: 1_000,
    /** Goal: p99 with the driver service dead ≤ budget + this. */
    deadMarginMs: 50,
  },
  { rounds: 1, phaseSeconds: 2, warmUpSeconds: 1, deadSeconds: 3 },
);
const { config } = options;
const portBase = 4400;
const offGatewayPort = 4408;
const rides = 100;
const recoveryTimeoutMs = 20_000;

const cacheUrl = `http://127.0.0.1:${portBase}/graphql`;
const offUrl = `http://127.0.0.1:${offGatewayPort}/graphql`;
const metricsOf = (url: string) => new URL('/metrics', url).toString();
const query = `{ rides(first: ${rides}) { driverName driver { name rating car { model } } } }`;
/**
 * One operation name per client (`query Rides3 { … }`, the same fields). The gateway names its
 * subgraph fetches after the client's operation and caches one field per fetch text, so the requests
 * of a cold wave cannot fill the cache for each other: every one of them misses.
 */
const bodies = Array.from({ length: config.clients }, (_, client) =>
  JSON.stringify({ query: `query Rides${client} ${query}`, operationName: `Rides${client}` }),
);
const bodyOf = (client: number) => bodies[client % bodies.length] ?? '';
const healthy = completeRides(rides);

// ---------------------------------------------------------------------------------------------
// Probes: the gateways' /metrics, and the driver service's port.

async function cacheLookups() {
  const [hit, miss] = await Promise.all(
    (['hit', 'miss'] as const).map((result) =>
      readCounter(metricsOf(cacheUrl), 'entity_cache_lookups_total', { type: 'Driver', result }),
    ),
  );
  return { hit: hit ?? 0, miss: miss ?? 0 };
}

async function driverCalls(url: string) {
  const calls = (outcome: string) =>
    readCounter(metricsOf(url), 'subgraph_calls_total', { subgraph: 'driver', outcome });
  const [ok, failed, timeout, rejected, retries] = await Promise.all([
    calls('ok'),
    calls('failed'),
    calls('timeout'),
    calls('rejected'),
    readCounter(metricsOf(url), 'subgraph_retries_total', { subgraph: 'driver' }),
  ]);
  return { ok, failed, timeout, rejected, retries };
}

function difference<T extends Record<string, number>>(after: T, before: T): T {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])) as T;
}

/** ms until the gateway gives a complete answer (after start-up, or once the driver service is back). */
async function untilHealthy(run: BenchRun, gateway: Poster, timeoutMs: number): Promise<number | undefined> {
  const polled = await poll(
    () =>
      gateway.post(bodyOf(0)).then(
        (answer) => answer.status === 200 && healthy(answer.body) === undefined,
        () => false,
      ),
    (complete) => complete,
    { intervalMs: 100, timeoutMs, signal: run.signal },
  );
  return polled.met ? round(polled.elapsedMs, 0) : undefined;
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

// ---------------------------------------------------------------------------------------------
// Phases

type Mode = 'warm' | 'cold' | 'off';
const modes: readonly Mode[] = ['warm', 'cold', 'off'];

/** Cold: waves of one request per client, each after the run's entity cache keys were deleted. */
async function coldWaves(run: BenchRun, flush: () => Promise<unknown>) {
  const waves: ClosedLoopStats[] = [];
  const flushMs: number[] = [];
  const start = performance.now();
  const deadline = start + config.phaseSeconds * 1000;
  while (performance.now() < deadline) {
    const flushStart = performance.now();
    await flush();
    flushMs.push(performance.now() - flushStart);
    waves.push(
      await closedLoop({
        url: cacheUrl,
        connections: config.clients,
        amount: config.clients,
        body: bodyOf,
        check: healthy,
        signal: run.signal,
      }),
    );
  }
  return { stats: combineLoads(waves, performance.now() - start), flushMs: summarize(flushMs) };
}

interface PhaseResult extends LoadFigures {
  requestsPerSecondBusy: number;
  flushMs?: Summary;
  cacheLookups?: { hit: number; miss: number };
  cacheHitPercent?: number;
  cpu: CpuUse;
  cpuMsPerRequest: Record<string, number>;
}

async function measure(run: BenchRun) {
  const demo = demoData();
  const bench = await startBenchStack(run, {
    database: (service) => `${service}_db_benchhybrid`,
    eventsPrefix: `bench-hybrid-${randomUUID()}`,
    portBase,
    env: {
      LOG_LEVEL: 'error',
      // Reconciliation would call the driver service every minute; kept out of the measurement.
      RECONCILE_INTERVAL_MS: '3600000',
      SUBGRAPH_DRIVER_TIMEOUT_MS: String(config.driverTimeoutMs),
      ENTITY_CACHE: 'on',
      ENTITY_CACHE_TYPES: 'Driver:driver,Product:product',
      ENTITY_CACHE_TTL: '60',
    },
    // The demo set (100 rides over 20 drivers), straight into each service's database.
    beforeLaunch: (urls) => seedDemoData(logger, (service) => urls[service]),
  });
  const { stack, bus } = bench;
  const offPid = await startProcessBeside(run, bench, {
    name: 'gw-off',
    entry: 'gateway/src/index.ts',
    port: offGatewayPort,
    env: { ENTITY_CACHE: 'off' },
  });
  const cpu = stackCpuMeter(offPid ? { [String(offPid)]: 'gateway (cache off)' } : {});
  const environment = await describeEnvironment(bench.urls.ride, bus, cpu);
  const redis = new Redis({ ...bus.connection, maxRetriesPerRequest: 1 });
  run.cleanup.add('closing the Redis client', () => redis.disconnect());
  const load = (url: string, seconds: number, check?: Check) =>
    closedLoop({ url, connections: config.clients, seconds, body: bodyOf, check, signal: run.signal });

  const probe = { cache: poster(cacheUrl, { maxSockets: 1 }), off: poster(offUrl, { maxSockets: 1 }) };
  run.cleanup.add('closing the probes', () => Object.values(probe).map((p) => p.close()));
  for (const gateway of ['cache', 'off'] as const) {
    if ((await untilHealthy(run, probe[gateway], 30_000)) === undefined)
      throw new Error(`the ${gateway} gateway gives no complete answer to ${query}`);
  }
  logger.info('warm-up (not measured)', { seconds: config.warmUpSeconds });
  for (const url of [cacheUrl, offUrl]) await load(url, config.warmUpSeconds);
  for (const gateway of ['cache', 'off'] as const) await untilHealthy(run, probe[gateway], 10_000);

  // The run's entity cache keys (one hash per driver), deleted before every cold wave.
  const cacheKeys: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${bus.prefix}:ec:*`, 'COUNT', 1000);
    cacheKeys.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  const seed = {
    rides: demo.rides.length,
    drivers: demo.drivers.length,
    driversOfTheRides: new Set(demo.rides.map((ride) => ride.driverId)).size,
    cachedEntities: cacheKeys.length,
  };
  logger.info('seeded and warm', seed);
  if (cacheKeys.length === 0) throw new Error('no entity cache keys after warm-up: is the cache on?');

  // Healthy: rounds of (warm, cold, off), the order rotated each round.
  const rounds: { round: number; order: Mode[]; phases: Partial<Record<Mode, PhaseResult>> }[] = [];
  for (let r = 0; r < config.rounds; r++) {
    const order = modes.map((_, i) => modes[(i + r) % modes.length] ?? 'warm');
    const phases: Partial<Record<Mode, PhaseResult>> = {};
    for (const mode of order) {
      logger.info('phase', { round: r + 1, mode, seconds: config.phaseSeconds });
      // Refill every client's cache fields after a cold phase (not measured).
      if (mode === 'warm')
        await closedLoop({
          url: cacheUrl,
          connections: config.clients,
          amount: config.clients,
          body: bodyOf,
          signal: run.signal,
        });
      const lookupsBefore = await cacheLookups();
      const cpuBefore = cpu.snapshot();
      const cold = mode === 'cold' ? await coldWaves(run, () => redis.del(...cacheKeys)) : undefined;
      const stats =
        cold?.stats ?? (await load(mode === 'warm' ? cacheUrl : offUrl, config.phaseSeconds, healthy));
      const cpuUse = cpuBetween(cpuBefore, cpu.snapshot());
      const lookups = difference(await cacheLookups(), lookupsBefore);
      const figures = loadFigures(stats);
      phases[mode] = {
        ...figures,
        requestsPerSecondBusy: busyRequestsPerSecond(stats),
        ...(cold ? { flushMs: cold.flushMs } : {}),
        ...(mode === 'off'
          ? {}
          : {
              cacheLookups: lookups,
              cacheHitPercent: round((100 * lookups.hit) / Math.max(1, lookups.hit + lookups.miss)),
            }),
        cpu: cpuUse,
        cpuMsPerRequest: cpuMsPerRequest(cpuUse, figures.requestsPerSecond),
      };
    }
    rounds.push({ round: r + 1, order, phases });
  }
  // Median across rounds of each figure. Cold throughput: per client, requests / summed request time.
  const medians = Object.fromEntries(
    modes.map((mode) => {
      const perRound = rounds.flatMap((r) => (r.phases[mode] ? [r.phases[mode]] : []));
      const of = (pick: (phase: PhaseResult) => number) => round(median(perRound.map(pick)));
      const rate = (phase: PhaseResult) =>
        mode === 'cold' ? phase.requestsPerSecondBusy : phase.requestsPerSecond;
      return [
        mode,
        {
          requestsPerSecond: of(rate),
          wallClockRequestsPerSecond: of((phase) => phase.requestsPerSecond),
          p50: of((phase) => phase.latencyMs.p50),
          p99: of((phase) => phase.latencyMs.p99),
          perRound: perRound.map(rate),
        },
      ];
    }),
  ) as Record<
    Mode,
    {
      requestsPerSecond: number;
      wallClockRequestsPerSecond: number;
      p50: number;
      p99: number;
      perRound: number[];
    }
  >;

  // The driver service dead, through the cache-off gateway (every request needs it).
  const budgetMs = config.driverTimeoutMs;
  const dead = async (label: string) => {
    logger.info('phase', { dead: label, seconds: config.deadSeconds });
    const { check, detail } = degradedRides(rides);
    const callsBefore = await driverCalls(offUrl);
    const cpuBefore = cpu.snapshot();
    const stats = await load(offUrl, config.deadSeconds, check);
    const cpuUse = cpuBetween(cpuBefore, cpu.snapshot());
    const waited = stats.latencies.filter((latency) => latency >= budgetMs);
    const figures = loadFigures(stats);
    return {
      ...figures,
      overBudgetPlusMargin: stats.latencies.filter((latency) => latency > budgetMs + config.deadMarginMs)
        .length,
      /** Requests that waited out the driver's time budget: how many, and how long they took. */
      waitedForTheBudget: {
        min: round(waited.length ? Math.min(...waited) : Number.NaN),
        ...summarize(waited),
      },
      driverCalls: difference(await driverCalls(offUrl), callsBefore),
      circuitStateAtEnd: await readCounter(metricsOf(offUrl), 'subgraph_circuit_state', {
        subgraph: 'driver',
      }),
      errorsPerAnswer: { min: detail.minErrors, max: detail.maxErrors },
      minRidesWithErrorPath: detail.minRidesWithError,
      cpu: cpuUse,
      p99GoalMet: figures.latencyMs.p99 <= budgetMs + config.deadMarginMs,
    };
  };
  // (a) Hanging: the process is paused; connections are accepted and never answered.
  stack.signal('driver', 'SIGSTOP');
  const hanging = await dead('hanging (SIGSTOP)').finally(() => stack.signal('driver', 'SIGCONT'));
  const recoveredAfterMs = await untilHealthy(run, probe.off, recoveryTimeoutMs);
  logger.info('driver service resumed', { recoveredAfterMs });
  // (b) Stopped: SIGTERM, the process drains and exits; connections are refused.
  stack.signal('driver', 'SIGTERM');
  const gone = await poll(
    () => refused(stack.ports.driver),
    (yes) => yes,
    {
      intervalMs: 100,
      timeoutMs: 15_000,
      signal: run.signal,
    },
  );
  if (!gone.met) throw new Error('the driver service did not exit after SIGTERM');
  const stopped = await dead('stopped (SIGTERM, connection refused)');

  const phasesOf = (mode: Mode) => rounds.flatMap((r) => (r.phases[mode] ? [r.phases[mode]] : []));
  const results = {
    query,
    seed,
    rounds,
    medians,
    dead: {
      gateway: 'cache off',
      budgetMs,
      hanging,
      recoveredAfterSigcontMs: recoveredAfterMs ?? null,
      stopped,
      driverServiceAfterRun: 'stopped (the whole stack is stopped at the end)',
    },
    summary: {
      warmOverOff: round(medians.warm.requestsPerSecond / medians.off.requestsPerSecond, 2),
      coldOverOff: round(medians.cold.requestsPerSecond / medians.off.requestsPerSecond, 2),
      throughputGoalMet: medians.warm.requestsPerSecond >= 3 * medians.off.requestsPerSecond,
      deadP99GoalMs: budgetMs + config.deadMarginMs,
      hangingP99Ms: hanging.latencyMs.p99,
      stoppedP99Ms: stopped.latencyMs.p99,
      deadP99GoalMet: hanging.p99GoalMet && stopped.p99GoalMet,
      healthyInvalidAnswers: modes.flatMap(phasesOf).reduce((sum, phase) => sum + phase.failed, 0),
      deadNon200: hanging.non200 + stopped.non200,
      deadInvalidAnswers: hanging.failed + stopped.failed,
    },
  };
  return { environment, results };
}

type Results = Awaited<ReturnType<typeof measure>>['results'];

/** CPU ms per request of the stack's processes, PostgreSQL and Redis (not the bench, not other work). */
const stackMs = (perRequest: Record<string, number>) =>
  round(
    Object.entries(perRequest)
      .filter(([group]) => group !== 'bench' && group !== 'other')
      .reduce((sum, [, ms]) => sum + ms, 0),
    2,
  );

function report(r: Results): ReportBlock[] {
  const phases = r.rounds.flatMap((x) =>
    x.order.flatMap((mode) => {
      const phase = x.phases[mode];
      return phase
        ? [{ round: x.round, mode, phase, gateway: mode === 'off' ? 'gateway (cache off)' : 'gateway' }]
        : [];
    }),
  );
  const { dead: d, summary: s } = r;
  const limit = d.budgetMs + config.deadMarginMs;
  return [
    `query: ${r.query}`,
    `data: ${r.seed.rides} rides over ${r.seed.driversOfTheRides} drivers (${r.seed.cachedEntities} cached entities); ${config.clients} clients, closed loop, ${config.rounds} round(s) × (warm, cold, off) × ${config.phaseSeconds} s each, order rotated per round\n`,
    columns(phases, {
      round: (x) => x.round,
      mode: (x) => x.mode,
      requests: (x) => x.phase.requests,
      'req/s': (x) => x.phase.requestsPerSecond,
      'busy req/s': (x) => x.phase.requestsPerSecondBusy,
      p50: (x) => x.phase.latencyMs.p50,
      p99: (x) => x.phase.latencyMs.p99,
      max: (x) => x.phase.latencyMs.max,
      'hit %': (x) => x.phase.cacheHitPercent,
      'non-200': (x) => x.phase.non200,
      invalid: (x) => x.phase.failed,
      'CPU%': (x) => x.phase.cpu.machineBusyPercent,
      gateway: (x) => x.phase.cpu.percentOfOneCore[x.gateway],
      ...cpuColumns(
        ['driver', 'ride', 'postgres (all)', 'redis', 'bench', 'other'],
        (x: { phase: PhaseResult }) => x.phase.cpu,
      ),
      'gw ms/req': (x) => x.phase.cpuMsPerRequest[x.gateway],
      'stack ms/req': (x) => stackMs(x.phase.cpuMsPerRequest),
      load1: (x) => x.phase.cpu.loadavgAtEnd.split(' ')[0],
    }),
    '\nMedians across rounds (cold req/s: per client, requests / summed request time):',
    columns(modes, {
      mode: (mode) => mode,
      'req/s': (mode) => r.medians[mode].requestsPerSecond,
      'p50 ms': (mode) => r.medians[mode].p50,
      'p99 ms': (mode) => r.medians[mode].p99,
      'per round req/s': (mode) => r.medians[mode].perRound.join(' / '),
    }),
    `\nDriver service dead, cache-off gateway, ${config.clients} clients × ${config.deadSeconds} s, driver time budget ${d.budgetMs} ms:`,
    columns(
      [
        { label: 'hanging (SIGSTOP)', x: d.hanging },
        { label: 'stopped (refused)', x: d.stopped },
      ],
      {
        'driver service': ({ label }) => label,
        requests: ({ x }) => x.requests,
        'req/s': ({ x }) => x.requestsPerSecond,
        p50: ({ x }) => x.latencyMs.p50,
        p99: ({ x }) => x.latencyMs.p99,
        max: ({ x }) => x.latencyMs.max,
        [`> ${limit} ms`]: ({ x }) => x.overBudgetPlusMargin,
        [`waited ${d.budgetMs} ms: n, min–max`]: ({ x }) =>
          x.waitedForTheBudget.n
            ? `${x.waitedForTheBudget.n}, ${x.waitedForTheBudget.min}–${x.waitedForTheBudget.max}`
            : '0',
        'non-200': ({ x }) => x.non200,
        invalid: ({ x }) => x.failed,
        'errors/answer': ({ x }) => `${x.errorsPerAnswer.min}–${x.errorsPerAnswer.max}`,
        'calls ok/failed/timeout/rejected': ({ x }) =>
          `${x.driverCalls.ok}/${x.driverCalls.failed}/${x.driverCalls.timeout}/${x.driverCalls.rejected}`,
        retries: ({ x }) => x.driverCalls.retries,
        [`p99 ≤ ${limit}`]: ({ x }) => x.p99GoalMet,
      },
    ),
    `Complete again ${d.recoveredAfterSigcontMs ?? 'not within the limit'} ms after SIGCONT; the driver service stays stopped after (b) until the stack is stopped.`,
    `\nGoal warm ≥ 3 × off: ${r.medians.warm.requestsPerSecond} vs ${r.medians.off.requestsPerSecond} req/s = ${s.warmOverOff}× → ${s.throughputGoalMet ? 'met' : 'MISSED'} (cold: ${s.coldOverOff}× off)`,
    `Goal dead-service p99 ≤ ${s.deadP99GoalMs} ms: hanging ${s.hangingP99Ms} ms, stopped ${s.stoppedP99Ms} ms → ${s.deadP99GoalMet ? 'met' : 'MISSED'}; non-200 ${s.deadNon200}, incomplete answers ${s.deadInvalidAnswers} (healthy phases: ${s.healthyInvalidAnswers} incomplete)`,
  ];
}

runBench('hybrid', { watchdogMs: 5 * 60_000 }, async (run) => {
  const { environment, results } = await measure(run);
  publish(run, options, environment, results, {
    title: 'Hybrid reads: entity cache warm, cold, off; driver service dead',
    blocks: report(results),
  });
});
