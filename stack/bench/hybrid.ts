/**
 * Hybrid reads benchmark: `rides(first: 100) { driverName driver { name rating car { model } } }`
 * through the gateway, with the entity cache warm, cold and off, side by side in one run, then with
 * the driver service hanging (SIGSTOP) and stopped (SIGTERM). Real processes (`launchStack`), real
 * PostgreSQL and Redis. It measures and reports; it asserts nothing.
 *
 *   npm run bench:hybrid            # about 2.5 minutes
 *   npm run bench:hybrid -- --quick # shortened phases, to check the script itself
 *
 * Two gateways in front of the same subgraphs: the stack's (cache on) and a second process with
 * `ENTITY_CACHE=off`. "warm": the cache gateway with its cache filled; "cold": the same gateway with
 * the run's entity cache keys deleted before every wave of requests (outside the measured latency);
 * "off": the second gateway. Latency is the client's: from sending the request to the last byte.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ServiceName } from '@msd/registry';
import { readCounter } from '@msd/testing';
import { Redis } from 'ioredis';
import { demoData, prefixOutput, seedDemoData } from '../src/index.ts';
import {
  abortReason,
  type BenchStack,
  Cleanup,
  checkAborted,
  cpuBetween,
  cpuSnapshot,
  describeEnvironment,
  latencySummary,
  loadavg,
  logger,
  median,
  repoRoot,
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
  portBase: 4400,
  /** The second gateway (`ENTITY_CACHE=off`); the stack takes 4400–4407. */
  offGatewayPort: 4408,
  clients: 8,
  rounds: quick ? 1 : 3,
  phaseSeconds: quick ? 2 : 8,
  /** Unmeasured load on each gateway first, so JIT compilation and pool growth are not in the figures. */
  warmUpSeconds: quick ? 1 : 3,
  deadSeconds: quick ? 3 : 8,
  /** The gateway's time budget for the driver service: the default, set explicitly so it is known. */
  driverTimeoutMs: 1_000,
  /** Goal: p99 with the driver service dead ≤ budget + this. */
  deadMarginMs: 50,
  rides: 100,
  requestTimeoutMs: 10_000,
  recoveryTimeoutMs: 20_000,
  /** Hard stop for the whole run; cleanup still happens. */
  watchdogMs: 5 * 60_000,
};

const query = '{ rides(first: 100) { driverName driver { name rating car { model } } } }';
/**
 * One operation name per client (`query Rides3 { rides(first: 100) … }`, the same fields). The
 * gateway names its subgraph fetches after the client's operation and caches one field per fetch
 * text, so each client has its own cache field per driver: the requests of a cold wave cannot fill
 * the cache for each other, and every one of them misses.
 */
const bodies = Array.from({ length: config.clients }, (_, client) =>
  JSON.stringify({ query: `query Rides${client} ${query}`, operationName: `Rides${client}` }),
);
const benchDatabase = (service: ServiceName) => `${service}_db_benchhybrid`;
const cacheUrl = new URL(`http://127.0.0.1:${config.portBase}/graphql`);
const offUrl = new URL(`http://127.0.0.1:${config.offGatewayPort}/graphql`);
const metricsOf = (url: URL) => new URL('/metrics', url).toString();

// ---------------------------------------------------------------------------------------------
// Answers and their checks

interface RidesAnswer {
  data?: {
    rides?: {
      driverName?: string | null;
      driver: { name: string; rating: number; car: { model: string } | null } | null;
    }[];
  } | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; service?: string };
  }[];
}

/** Returns what is wrong with an answer, or undefined when it is as expected. */
type Check = (answer: RidesAnswer) => string | undefined;

/** Everything there: 100 rides, each with its driverName and its live driver (same name). */
const healthy: Check = (answer) => {
  if (answer.errors?.length) return `error: ${answer.errors[0]?.message.slice(0, 60)}`;
  const rides = answer.data?.rides;
  if (rides?.length !== config.rides) return `rides: ${rides?.length}`;
  for (const ride of rides) {
    if (!ride.driverName) return 'driverName missing';
    if (!ride.driver) return 'driver null';
    if (ride.driver.name !== ride.driverName || typeof ride.driver.car?.model !== 'string')
      return 'driver differs from driverName';
  }
  return undefined;
};

const degradedDetail = { answers: 0, minErrors: Infinity, maxErrors: 0, minRidesWithError: Infinity };

/**
 * The driver service down: still 100 rides, each with its driverName (the ride's own copy), every
 * `driver` null, and errors, all SERVICE_UNAVAILABLE naming the driver service.
 */
const degraded: Check = (answer) => {
  const rides = answer.data?.rides;
  if (rides?.length !== config.rides) return `rides: ${rides?.length}`;
  if (rides.some((ride) => !ride.driverName)) return 'driverName missing';
  if (rides.some((ride) => ride.driver !== null)) return 'driver not null';
  const errors = answer.errors ?? [];
  if (errors.length === 0) return 'no error';
  if (errors.some((e) => e.extensions?.code !== 'SERVICE_UNAVAILABLE' || e.extensions.service !== 'driver'))
    return `other error: ${errors[0]?.message.slice(0, 60)}`;
  const covered = new Set(errors.map((e) => (e.path?.[0] === 'rides' ? e.path[1] : undefined)));
  covered.delete(undefined);
  degradedDetail.answers++;
  degradedDetail.minErrors = Math.min(degradedDetail.minErrors, errors.length);
  degradedDetail.maxErrors = Math.max(degradedDetail.maxErrors, errors.length);
  degradedDetail.minRidesWithError = Math.min(degradedDetail.minRidesWithError, covered.size);
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Load: closed loop, `clients` senders, each sending its next request when its previous one returned.

const agent = new http.Agent({ keepAlive: true, maxSockets: config.clients });

interface Sent {
  status: number;
  latencyMs: number;
  problem?: string;
}

function send(url: URL, check: Check, client = 0): Promise<Sent> {
  const body = bodies[client % bodies.length] ?? '';
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, problem?: string) =>
      resolve({ status, latencyMs: performance.now() - started, ...(problem ? { problem } : {}) });
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status !== 200) return done(status, `HTTP ${status}`);
          try {
            done(status, check(JSON.parse(Buffer.concat(chunks).toString()) as RidesAnswer));
          } catch {
            done(status, 'unparseable response');
          }
        });
        response.on('error', (error) => done(0, error.message));
      },
    );
    request.setTimeout(config.requestTimeoutMs, () => request.destroy(new Error('timeout')));
    request.on('error', (error) => done(0, (error as NodeJS.ErrnoException).code ?? error.message));
    request.end(body);
  });
}

interface PhaseStats {
  requests: number;
  ok: number;
  non200: number;
  problems: Record<string, number>;
  latencies: number[];
  /** Per client: requests and the summed time of its requests. */
  perClient: { requests: number; busyMs: number }[];
  elapsedMs: number;
}

function newStats(): PhaseStats {
  return {
    requests: 0,
    ok: 0,
    non200: 0,
    problems: {},
    latencies: [],
    perClient: Array.from({ length: config.clients }, () => ({ requests: 0, busyMs: 0 })),
    elapsedMs: 0,
  };
}

function record(stats: PhaseStats, client: number, sent: Sent): void {
  stats.requests++;
  stats.latencies.push(sent.latencyMs);
  const mine = stats.perClient[client];
  if (mine) {
    mine.requests++;
    mine.busyMs += sent.latencyMs;
  }
  if (sent.status !== 200) stats.non200++;
  if (sent.problem === undefined) stats.ok++;
  else stats.problems[sent.problem] = (stats.problems[sent.problem] ?? 0) + 1;
}

async function closedLoop(url: URL, seconds: number, check: Check): Promise<PhaseStats> {
  const stats = newStats();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: config.clients }, async (_, client) => {
      while (performance.now() < deadline && !abortReason())
        record(stats, client, await send(url, check, client));
    }),
  );
  stats.elapsedMs = performance.now() - start;
  checkAborted();
  return stats;
}

/**
 * Cold cache: waves of `clients` concurrent requests; before each wave the run's entity cache keys
 * are deleted (not part of any request's latency), so every request of the wave starts with an
 * empty cache. Throughput is per client: its requests / the summed time of its requests.
 */
async function coldWaves(url: URL, seconds: number, check: Check, flush: () => Promise<unknown>) {
  const stats = newStats();
  const flushMs: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline && !abortReason()) {
    const flushStart = performance.now();
    await flush();
    flushMs.push(performance.now() - flushStart);
    await Promise.all(
      Array.from({ length: config.clients }, (_, client) =>
        send(url, check, client).then((sent) => record(stats, client, sent)),
      ),
    );
  }
  stats.elapsedMs = performance.now() - start;
  checkAborted();
  return { stats, flushMs: latencySummary(flushMs) };
}

/** CPU time per request, in ms, per process group (from % of one core over the phase). */
function cpuPerRequest(cpu: ReturnType<typeof cpuBetween>, requestsPerSecond: number) {
  return Object.fromEntries(
    Object.entries(cpu.percentOfOneCore).map(([group, percent]) => [
      group,
      round((percent * 10) / Math.max(requestsPerSecond, 0.001), 2),
    ]),
  );
}

function summary(stats: PhaseStats) {
  return {
    requests: stats.requests,
    ok: stats.ok,
    non200: stats.non200,
    invalid: stats.requests - stats.ok,
    problems: stats.problems,
    seconds: round(stats.elapsedMs / 1000, 2),
    /** Requests / wall-clock time of the phase. */
    requestsPerSecond: round(stats.requests / (stats.elapsedMs / 1000)),
    /** Sum over clients of (its requests / the summed time of its requests): time between requests excluded. */
    requestsPerSecondBusy: round(
      stats.perClient.reduce((sum, c) => sum + (c.busyMs > 0 ? c.requests / (c.busyMs / 1000) : 0), 0),
    ),
    latencyMs: latencySummary(stats.latencies),
  };
}

// ---------------------------------------------------------------------------------------------
// Probes: the gateways' /metrics.

async function cacheLookups() {
  const [hit, miss] = await Promise.all(
    (['hit', 'miss'] as const).map((result) =>
      readCounter(metricsOf(cacheUrl), 'entity_cache_lookups_total', { type: 'Driver', result }),
    ),
  );
  return { hit: hit ?? 0, miss: miss ?? 0 };
}

const outcomes = ['ok', 'failed', 'timeout', 'rejected'] as const;

async function driverCalls(url: URL) {
  const values = await Promise.all([
    ...outcomes.map((outcome) =>
      readCounter(metricsOf(url), 'subgraph_calls_total', { subgraph: 'driver', outcome }),
    ),
    readCounter(metricsOf(url), 'subgraph_retries_total', { subgraph: 'driver' }),
  ]);
  return {
    ...Object.fromEntries(outcomes.map((outcome, i) => [outcome, values[i] ?? 0])),
    retries: values[outcomes.length] ?? 0,
  } as Record<(typeof outcomes)[number] | 'retries', number>;
}

function difference<T extends Record<string, number>>(after: T, before: T): T {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])) as T;
}

/** Polls until the gateway gives a complete answer (after start-up, or once the driver service is back). */
async function untilHealthy(url: URL, timeoutMs: number): Promise<number | undefined> {
  const start = performance.now();
  for (;;) {
    checkAborted();
    const sent = await send(url, healthy);
    if (sent.problem === undefined) return round(performance.now() - start, 0);
    if (performance.now() - start > timeoutMs) return undefined;
    await sleep(100);
  }
}

/** Resolves once nothing listens on the port any more (connection refused). */
async function untilRefused(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return true;
    await sleep(100);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The second gateway: the same code and subgraphs, ENTITY_CACHE=off.

async function startOffGateway(bench: BenchStack, cleanup: Cleanup): Promise<ChildProcess> {
  const output = prefixOutput(process.stderr);
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...bench.serviceUrls,
      ...bench.env,
      ENTITY_CACHE: 'off',
      PORT: String(config.offGatewayPort),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => output('gw-off', line));
  }
  cleanup.add(
    'stopping the cache-off gateway',
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  );
  const deadline = performance.now() + 60_000;
  for (;;) {
    checkAborted();
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the cache-off gateway exited (${child.signalCode ?? `code ${child.exitCode}`})`);
    const ready = await fetch(`http://127.0.0.1:${config.offGatewayPort}/ready`, {
      signal: AbortSignal.timeout(2_000),
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return child;
    if (performance.now() > deadline) throw new Error('the cache-off gateway did not become ready');
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------

type Mode = 'warm' | 'cold' | 'off';
type PhaseResult = ReturnType<typeof summary> & {
  flushMs?: ReturnType<typeof latencySummary>;
  cacheLookups?: { hit: number; miss: number } | undefined;
  cacheHitPercent?: number | undefined;
  cpu: ReturnType<typeof cpuBetween>;
  cpuMsPerRequest: Record<string, number>;
};
const modes: Mode[] = ['warm', 'cold', 'off'];

async function main() {
  const startedAt = new Date();
  const stopWatchdog = watchRun(config.watchdogMs);
  const cleanup = new Cleanup();
  try {
    const demo = demoData();
    const bench = await startBenchStack({
      database: benchDatabase,
      eventsPrefix: `bench-hybrid-${randomUUID()}`,
      portBase: config.portBase,
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
      cleanup,
    });
    const { stack, bus } = bench;
    const offGateway = await startOffGateway(bench, cleanup);
    const stackProcesses = trackStackProcesses(
      offGateway.pid ? { [String(offGateway.pid)]: 'gateway (cache off)' } : {},
    );
    const environment = { ...(await describeEnvironment(bench.urls.ride, bus)), stackProcesses };
    cleanup.add('closing the load generator', () => agent.destroy());
    const redis = new Redis({ ...(bus.connection as object), maxRetriesPerRequest: 1 });
    cleanup.add('closing the Redis client', () => redis.disconnect());

    for (const url of [cacheUrl, offUrl]) {
      if ((await untilHealthy(url, 30_000)) === undefined)
        throw new Error(`${url} gives no complete answer to ${query}`);
    }
    logger.info('warm-up (not measured)', { seconds: config.warmUpSeconds });
    for (const url of [cacheUrl, offUrl]) await closedLoop(url, config.warmUpSeconds, () => undefined);
    for (const url of [cacheUrl, offUrl]) await untilHealthy(url, 10_000);

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
    const flush = () => redis.del(...cacheKeys);

    // Healthy: rounds of (warm, cold, off), the order rotated each round.
    const rounds: { round: number; order: Mode[]; phases: Record<Mode, PhaseResult> }[] = [];
    for (let r = 0; r < config.rounds; r++) {
      const order = modes.map((_, i) => modes[(i + r) % modes.length] as Mode);
      const phases: Partial<Record<Mode, PhaseResult>> = {};
      for (const mode of order) {
        logger.info('phase', { round: r + 1, mode, seconds: config.phaseSeconds });
        // Refill every client's cache fields after a cold phase (not measured).
        if (mode === 'warm')
          await Promise.all(Array.from({ length: config.clients }, (_, c) => send(cacheUrl, healthy, c)));
        const lookupsBefore = await cacheLookups();
        const cpuBefore = cpuSnapshot();
        let stats: PhaseStats;
        let flushMs: ReturnType<typeof latencySummary> | undefined;
        if (mode === 'cold')
          ({ stats, flushMs } = await coldWaves(cacheUrl, config.phaseSeconds, healthy, flush));
        else stats = await closedLoop(mode === 'warm' ? cacheUrl : offUrl, config.phaseSeconds, healthy);
        const cpu = cpuBetween(cpuBefore, cpuSnapshot());
        const lookups = difference(await cacheLookups(), lookupsBefore);
        const figures = summary(stats);
        phases[mode] = {
          ...figures,
          cpuMsPerRequest: cpuPerRequest(cpu, figures.requestsPerSecond),
          ...(flushMs ? { flushMs } : {}),
          cacheLookups: mode === 'off' ? undefined : lookups,
          cacheHitPercent:
            mode === 'off' ? undefined : round((100 * lookups.hit) / Math.max(1, lookups.hit + lookups.miss)),
          cpu,
        };
      }
      rounds.push({ round: r + 1, order, phases: phases as Record<Mode, PhaseResult> });
    }
    // Median across rounds of each figure. Cold throughput: per client, requests / summed request time.
    const medians = Object.fromEntries(
      modes.map((mode) => {
        const of = (pick: (s: PhaseResult) => number) =>
          round(median(rounds.map((r) => pick(r.phases[mode]))));
        return [
          mode,
          {
            requestsPerSecond: of((s) => (mode === 'cold' ? s.requestsPerSecondBusy : s.requestsPerSecond)),
            wallClockRequestsPerSecond: of((s) => s.requestsPerSecond),
            p50: of((s) => s.latencyMs.p50),
            p99: of((s) => s.latencyMs.p99),
            perRound: rounds.map((r) =>
              mode === 'cold' ? r.phases[mode].requestsPerSecondBusy : r.phases[mode].requestsPerSecond,
            ),
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
    const dead = async (label: string) => {
      logger.info('phase', { dead: label, seconds: config.deadSeconds });
      Object.assign(degradedDetail, {
        answers: 0,
        minErrors: Infinity,
        maxErrors: 0,
        minRidesWithError: Infinity,
      });
      const callsBefore = await driverCalls(offUrl);
      const cpuBefore = cpuSnapshot();
      const stats = await closedLoop(offUrl, config.deadSeconds, degraded);
      const cpu = cpuBetween(cpuBefore, cpuSnapshot());
      const budgetMs = config.driverTimeoutMs;
      const waited = stats.latencies.filter((l) => l >= budgetMs);
      const result = {
        ...summary(stats),
        overBudgetPlusMargin: stats.latencies.filter((l) => l > budgetMs + config.deadMarginMs).length,
        /** Requests that waited out the driver's time budget: how many, and how long they took. */
        waitedForTheBudget: {
          requests: waited.length,
          min: round(waited.length ? Math.min(...waited) : Number.NaN),
          ...latencySummary(waited),
        },
        driverCalls: difference(await driverCalls(offUrl), callsBefore),
        circuitStateAtEnd: await readCounter(metricsOf(offUrl), 'subgraph_circuit_state', {
          subgraph: 'driver',
        }),
        errorsPerAnswer: { min: degradedDetail.minErrors, max: degradedDetail.maxErrors },
        minRidesWithErrorPath: degradedDetail.minRidesWithError,
        cpu,
      };
      return { ...result, p99GoalMet: result.latencyMs.p99 <= budgetMs + config.deadMarginMs };
    };

    // (a) Hanging: the process is paused; connections are accepted and never answered.
    stack.signal('driver', 'SIGSTOP');
    let hanging: Awaited<ReturnType<typeof dead>>;
    try {
      hanging = await dead('hanging (SIGSTOP)');
    } finally {
      stack.signal('driver', 'SIGCONT');
    }
    const recoveredAfterMs = await untilHealthy(offUrl, config.recoveryTimeoutMs);
    logger.info('driver service resumed', { recoveredAfterMs });

    // (b) Stopped: SIGTERM, the process drains and exits; connections are refused.
    stack.signal('driver', 'SIGTERM');
    const gone = await untilRefused(stack.ports.driver, 15_000);
    if (!gone) throw new Error('the driver service did not exit after SIGTERM');
    const stopped = await dead('stopped (SIGTERM, connection refused)');

    const budget = config.driverTimeoutMs;
    const results = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      quick,
      config,
      query,
      environment: { ...environment, loadavgAfter: loadavg() },
      seed,
      rounds,
      medians,
      dead: {
        gateway: 'cache off',
        budgetMs: budget,
        hanging,
        recoveredAfterSigcontMs: recoveredAfterMs ?? null,
        stopped,
        driverServiceAfterRun: 'stopped (the whole stack is stopped at the end)',
      },
      summary: {
        warmOverOff: round(medians.warm.requestsPerSecond / medians.off.requestsPerSecond, 2),
        coldOverOff: round(medians.cold.requestsPerSecond / medians.off.requestsPerSecond, 2),
        throughputGoalMet: medians.warm.requestsPerSecond >= 3 * medians.off.requestsPerSecond,
        deadP99GoalMs: budget + config.deadMarginMs,
        hangingP99Ms: hanging.latencyMs.p99,
        stoppedP99Ms: stopped.latencyMs.p99,
        deadP99GoalMet: hanging.p99GoalMet && stopped.p99GoalMet,
        healthyInvalidAnswers: rounds.reduce(
          (sum, r) => sum + modes.reduce((s, m) => s + r.phases[m].invalid, 0),
          0,
        ),
        deadNon200: hanging.non200 + stopped.non200,
        deadInvalidAnswers: hanging.invalid + stopped.invalid,
      },
    };
    const file = writeResults('hybrid', startedAt, results, quick ? '-quick' : '');
    printReport(results);
    console.log(`\nraw results: ${path.relative(process.cwd(), file)}`);
  } finally {
    stopWatchdog();
    await cleanup.run();
  }
}

/** CPU ms per request of the stack's processes, PostgreSQL and Redis (not the bench, not other work). */
const stackMs = (perRequest: Record<string, number>) =>
  round(
    Object.entries(perRequest)
      .filter(([group]) => group !== 'bench' && group !== 'other')
      .reduce((sum, [, ms]) => sum + ms, 0),
    2,
  );

// biome-ignore lint/suspicious/noExplicitAny: printing the results object built just above
function printReport(r: any) {
  const e = r.environment;
  console.log(
    `\nHybrid reads: ${r.query}\n(${e.nproc} cores ${e.cpuModel}, node ${e.node}, PostgreSQL ${e.postgres}, Redis ${e.redis}; load average before ${e.loadavgBefore.split(' ').slice(0, 3).join(' ')}, after ${e.loadavgAfter.split(' ').slice(0, 3).join(' ')})`,
  );
  console.log(
    `data: ${r.seed.rides} rides over ${r.seed.driversOfTheRides} drivers (${r.seed.cachedEntities} cached entities); ${r.config.clients} clients, closed loop, ${r.config.rounds} round(s) × (warm, cold, off) × ${r.config.phaseSeconds} s each, order rotated per round\n`,
  );
  const rows = [];
  for (const round of r.rounds) {
    for (const mode of round.order) {
      const p = round.phases[mode];
      rows.push([
        round.round,
        mode,
        p.requests,
        p.requestsPerSecond,
        p.requestsPerSecondBusy,
        p.latencyMs.p50,
        p.latencyMs.p99,
        p.latencyMs.max,
        p.cacheHitPercent ?? '',
        p.non200,
        p.invalid,
        p.cpu.machineBusyPercent,
        p.cpu.percentOfOneCore[mode === 'off' ? 'gateway (cache off)' : 'gateway'] ?? '',
        p.cpu.percentOfOneCore.driver ?? '',
        p.cpu.percentOfOneCore.ride ?? '',
        p.cpu.percentOfOneCore['postgres (all)'] ?? '',
        p.cpu.percentOfOneCore.redis ?? '',
        p.cpu.percentOfOneCore.bench ?? '',
        p.cpu.percentOfOneCore.other ?? '',
        p.cpuMsPerRequest[mode === 'off' ? 'gateway (cache off)' : 'gateway'] ?? '',
        stackMs(p.cpuMsPerRequest),
        p.cpu.loadavgAtEnd.split(' ')[0],
      ]);
    }
  }
  console.log(
    table(
      [
        'round',
        'mode',
        'requests',
        'req/s',
        'busy req/s',
        'p50',
        'p99',
        'max',
        'hit %',
        'non-200',
        'invalid',
        'CPU%',
        'gateway',
        'driver',
        'ride',
        'pg',
        'redis',
        'bench',
        'other',
        'gw ms/req',
        'stack ms/req',
        'load1',
      ],
      rows,
    ),
  );
  console.log('\nMedians across rounds (cold req/s: per client, requests / summed request time):');
  console.log(
    table(
      ['mode', 'req/s', 'p50 ms', 'p99 ms', 'per round req/s'],
      (['warm', 'cold', 'off'] as const).map((mode) => {
        const m = r.medians[mode];
        return [mode, m.requestsPerSecond, m.p50, m.p99, m.perRound.join(' / ')];
      }),
    ),
  );
  const d = r.dead;
  console.log(
    `\nDriver service dead, cache-off gateway, ${r.config.clients} clients × ${r.config.deadSeconds} s, driver time budget ${d.budgetMs} ms:`,
  );
  console.log(
    table(
      [
        'driver service',
        'requests',
        'req/s',
        'p50',
        'p99',
        'max',
        `> ${d.budgetMs + r.config.deadMarginMs} ms`,
        `waited ${d.budgetMs} ms: n, min–max`,
        'non-200',
        'invalid',
        'errors/answer',
        'calls ok/failed/timeout/rejected',
        'retries',
        `p99 ≤ ${d.budgetMs + r.config.deadMarginMs}`,
      ],
      [
        ['hanging (SIGSTOP)', d.hanging],
        ['stopped (refused)', d.stopped],
      ].map(([label, x]) => [
        label,
        x.requests,
        x.requestsPerSecond,
        x.latencyMs.p50,
        x.latencyMs.p99,
        x.latencyMs.max,
        x.overBudgetPlusMargin,
        x.waitedForTheBudget.requests
          ? `${x.waitedForTheBudget.requests}, ${x.waitedForTheBudget.min}–${x.waitedForTheBudget.max}`
          : '0',
        x.non200,
        x.invalid,
        `${x.errorsPerAnswer.min}–${x.errorsPerAnswer.max}`,
        `${x.driverCalls.ok}/${x.driverCalls.failed}/${x.driverCalls.timeout}/${x.driverCalls.rejected}`,
        x.driverCalls.retries,
        x.p99GoalMet ? 'yes' : 'NO',
      ]),
    ),
  );
  console.log(
    `Complete again ${d.recoveredAfterSigcontMs ?? 'not within the limit'} ms after SIGCONT; the driver service stays stopped after (b) until the stack is stopped.`,
  );
  const s = r.summary;
  console.log(
    `\nGoal warm ≥ 3 × off: ${r.medians.warm.requestsPerSecond} vs ${r.medians.off.requestsPerSecond} req/s = ${s.warmOverOff}× → ${s.throughputGoalMet ? 'met' : 'MISSED'} (cold: ${s.coldOverOff}× off)`,
  );
  console.log(
    `Goal dead-service p99 ≤ ${s.deadP99GoalMs} ms: hanging ${s.hangingP99Ms} ms, stopped ${s.stoppedP99Ms} ms → ${s.deadP99GoalMet ? 'met' : 'MISSED'}; non-200 ${s.deadNon200}, incomplete answers ${s.deadInvalidAnswers} (healthy phases: ${s.healthyInvalidAnswers} incomplete)`,
  );
}

runBench(main);
