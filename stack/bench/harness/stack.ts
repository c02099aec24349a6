/**
 * The stack a benchmark measures: separate processes (`launchStack`) on ports of their own, with
 * databases of their own and events under a queue prefix of their own, stopped and cleared by the
 * run's cleanup.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropDatabase, migrateAll } from '@msd/database';
import { clearEventBus, type EventBusOptions, eventBus } from '@msd/events';
import { databaseUrlVariable, repoRoot, type ServiceName, serviceNames } from '@msd/registry';
import { checkInfrastructure, launchStack, prefixOutput, type RunningStack } from '../../src/index.ts';
import { BENCH_SERVICE_ROOT } from '../gateway/benchSubgraphHeaders.ts';
import { type BenchRun, logger } from './run.ts';

export interface BenchStackOptions {
  /** Database name per service, e.g. `<service>_db_bench`: dropped and migrated at the start. */
  database: (service: ServiceName) => string;
  /** Queue prefix, unique per run (its keys are deleted at the end), e.g. `bench-<uuid>`. */
  eventsPrefix: string;
  /** Gateway port; every other process keeps its registry offset from it. */
  portBase: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Processes per service, coordinator and gateway, behind a round-robin (default 1; `launchStack`). */
  replicas?: number;
  /** Run the compiled JavaScript (`npm run build` first), as production does. */
  built?: boolean;
  /** Runs after the databases are migrated, before the processes start (e.g. a direct seed). */
  beforeLaunch?: (urls: Record<ServiceName, string>) => Promise<void>;
}

export interface BenchStack {
  stack: RunningStack;
  /** Each service's database URL. */
  urls: Record<ServiceName, string>;
  bus: EventBusOptions;
  /** The environment of every process of the stack: its database URLs, the queue prefix, `env`. */
  env: Record<string, string>;
  /** `<NAME>_URL` of every process of the stack, for a process started next to it. */
  serviceUrls: Record<string, string>;
}

/**
 * Checks PostgreSQL and Redis, drops and migrates the bench databases, and starts the stack
 * (127.0.0.1 only). Registers with the run's cleanup: stopping the stack, then deleting the run's
 * Redis keys. The databases stay for inspection; the next run drops them.
 */
export async function startBenchStack(run: BenchRun, options: BenchStackOptions): Promise<BenchStack> {
  await checkInfrastructure(logger);
  for (const service of serviceNames) await dropDatabase(options.database(service));
  const urls = await migrateAll({ database: options.database, log: () => {} });
  const bus = eventBus({ prefix: options.eventsPrefix });
  run.cleanup.add('clearing the event bus', () => clearEventBus(bus));
  await options.beforeLaunch?.(urls);
  run.signal.throwIfAborted();
  const env = {
    ...Object.fromEntries(serviceNames.map((s) => [databaseUrlVariable(s), urls[s]])),
    EVENTS_PREFIX: bus.prefix,
    // The root of every process's service secret, so the bench can call services as the gateway.
    SERVICE_TOKEN: BENCH_SERVICE_ROOT,
    // The rate limiter runs (its Redis round trip is part of every request's cost) but never refuses:
    // a benchmark's one operator sends more than any one caller may.
    RATE_LIMIT_POINTS: '1000000000',
    ...options.env,
  };
  const stack = await launchStack({
    logger,
    portBase: options.portBase,
    env,
    ...(options.replicas ? { replicas: options.replicas } : {}),
    ...(options.built ? { built: true } : {}),
    output: prefixOutput(process.stderr),
    // Eight processes compiling TypeScript at once on a shared machine can take over a minute.
    readyTimeoutMs: 120_000,
  });
  run.cleanup.add('stopping the stack', () => stack.stop());
  const serviceUrls = Object.fromEntries(
    Object.entries(stack.ports).map(([name, port]) => [
      `${name.toUpperCase()}_URL`,
      `http://127.0.0.1:${port}/graphql`,
    ]),
  );
  return { stack, urls, bus, env, serviceUrls };
}

/**
 * Starts one more process next to the stack (a second gateway with other settings, say) from its
 * entry file under the repository root, with the stack's environment plus `env`, and waits until its
 * `/ready` answers (or `isReady` says so). Stopped by the run's cleanup (SIGTERM, SIGKILL after 5 s). Returns its pid.
 */
export async function startProcessBeside(
  run: BenchRun,
  bench: BenchStack,
  options: {
    name: string;
    entry: string;
    port: number;
    env: Record<string, string>;
    /** Whether it is ready (default: `GET /ready` answers 2xx). */
    isReady?: (port: number) => Promise<boolean>;
  },
): Promise<number | undefined> {
  const output = prefixOutput(process.stderr);
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...bench.serviceUrls,
      ...bench.env,
      ...options.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => output(options.name, line));
  }
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  run.cleanup.add(
    `stopping ${options.name}`,
    () =>
      new Promise<void>((resolve) => {
        if (exited()) return resolve();
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
    run.signal.throwIfAborted();
    if (exited()) throw new Error(`${options.name} exited (${child.signalCode ?? `code ${child.exitCode}`})`);
    const ready = await (options.isReady ?? answersReady)(options.port).catch(() => false);
    if (ready) return child.pid;
    if (performance.now() > deadline) throw new Error(`${options.name} did not become ready`);
    await sleep(250, undefined, { signal: run.signal });
  }
}

const answersReady = (port: number) =>
  fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
