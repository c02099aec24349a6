/**
 * The stack a benchmark measures: separate processes (`launchStack`) on ports of their own, with
 * databases of their own and events under a queue prefix of their own, stopped and cleared by the
 * run's cleanup.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropDatabase, migrateAll } from '@msd/database';
import { clearEventBus, eventBus } from '@msd/events';
import { databaseUrlVariable, processes, repoRoot, type ServiceName, serviceNames } from '@msd/registry';
import { eventKeyVariable, processSecrets, serviceCallerKeys } from '@msd/service-kit';
import { graphqlRequest } from '@msd/testing';
import { checkInfrastructure, launchStack, prefixOutput, seedDemoData } from '../../src/index.ts';
import { BENCH_SERVICE_ROOT } from '../gateway/benchSubgraphHeaders.ts';
import { stackCpuMeter } from './machine.ts';
import { type BenchRun, logger, poll } from './run.ts';

export interface BenchStackOptions {
  /** Gateway port; every other process keeps its registry offset from it. */
  portBase: number;
  /** Extra environment for every process, over the benchmark defaults (`benchDefaults`). */
  env?: Record<string, string>;
  /** Processes per service, coordinator and gateway, behind a round-robin (default 1; `launchStack`). */
  replicas?: number;
  /** Run the compiled JavaScript (`npm run build` first), as production does. */
  built?: boolean;
  /** When a run starts several stacks: tells their databases and queue prefixes apart (`r1`, `r2`). */
  variant?: string;
  /** Fill the databases with the demo set before the processes start (`seedDemoData`). */
  demoData?: boolean;
  /**
   * Every process of the stack, and each started beside it, under `node --cpu-prof`: a `.cpuprofile`
   * per process in the returned `profileDir`, written as each exits (`stack.stop()`).
   */
  profile?: boolean;
}

/**
 * What every benchmark stack runs with unless it says otherwise: quiet logs; no reconciliation in
 * the measurement (it would repair copies while a drain holds a queue paused, and call services every
 * minute); a time budget per subgraph that a loaded 2-core machine meets (the breaker would otherwise
 * shed load and the figures would be the breaker's); the rate limiter running (its cost is part of
 * every request) with a budget that the benchmark's one operator never exhausts.
 */
export const benchDefaults = {
  LOG_LEVEL: 'error',
  RECONCILE_INTERVAL_MS: '3600000',
  SUBGRAPH_TIMEOUT_MS: '5000',
  // The coordinator's STRONG rename carries its own deadlines: its budget stays its default.
  SUBGRAPH_COORDINATOR_TIMEOUT_MS: '15000',
  RATE_LIMIT_POINTS: '1000000000',
};

/**
 * Checks PostgreSQL and Redis, drops and migrates the run's databases (`<service>_db_bench_<run>`),
 * and starts the stack (127.0.0.1 only) with events under a prefix of its own. Registers with the
 * run's cleanup: stopping the stack, then deleting the run's Redis keys. The databases stay for
 * inspection; the next run drops them.
 */
export async function startBenchStack(run: BenchRun, options: BenchStackOptions) {
  const suffix = `bench_${run.name}${options.variant ? `_${options.variant}` : ''}`;
  const database = (service: ServiceName) => `${service}_db_${suffix}`;
  await checkInfrastructure(logger, run.environment);
  for (const service of serviceNames) await dropDatabase(database(service));
  const urls = await migrateAll({ database, log: () => {} });
  const bus = eventBus({ prefix: `${suffix.replaceAll('_', '-')}-${randomUUID()}` });
  run.cleanup.add('clearing the event bus', () => clearEventBus(bus));
  if (options.demoData) await seedDemoData(logger, (service) => urls[service]);
  run.signal.throwIfAborted();
  const profileDir = options.profile ? path.join(os.tmpdir(), `msd-profiles-${randomUUID()}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const env = {
    ...Object.fromEntries(serviceNames.map((s) => [databaseUrlVariable(s), urls[s]])),
    EVENTS_PREFIX: bus.prefix,
    // The root of every process's service secret, so the bench can call services as the gateway.
    SERVICE_TOKEN: BENCH_SERVICE_ROOT,
    // Drawn here rather than by the launcher, so that a process started beside the stack has them too.
    CONSISTENCY_TOKEN_KEY: randomBytes(32).toString('base64url'),
    ...Object.fromEntries(
      processes
        .filter((entry) => entry.publishes.length > 0)
        .map((entry) => [eventKeyVariable(entry.name), randomBytes(32).toString('base64url')]),
    ),
    ...benchDefaults,
    ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    ...options.env,
  };
  const stack = await launchStack({
    logger,
    environment: run.environment,
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
  const beside: Record<string, string> = {};
  const runDatabases = new RegExp(`_db_${suffix}\\b`);
  return {
    stack,
    /** Each service's database URL. */
    urls,
    bus,
    /** The environment of every process of the stack: its database URLs, the queue prefix, `env`. */
    env,
    /** `<NAME>_URL` of every process of the stack, for a process started next to it. */
    serviceUrls,
    /** Names of the processes started beside the stack (`startProcessBeside`), by pid. */
    beside,
    /** Where the processes' `.cpuprofile` files go (`profile`). */
    profileDir,
    /** A CPU meter over the stack, the processes beside it, the run's PostgreSQL backends and Redis. */
    cpuMeter: () => stackCpuMeter(beside, { runDatabases }),
  };
}
export type BenchStack = Awaited<ReturnType<typeof startBenchStack>>;

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
      ...run.environment,
      ...bench.serviceUrls,
      ...bench.env,
      // A second gateway is the gateway to the services: its own secret and callers, as the launcher gives the first.
      ...(options.entry === 'gateway/src/index.ts'
        ? {
            SERVICE_TOKEN: processSecrets(BENCH_SERVICE_ROOT).gateway,
            SERVICE_CALLERS: serviceCallerKeys(processSecrets(BENCH_SERVICE_ROOT)).gateway,
          }
        : {}),
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
    if (ready) {
      if (child.pid) bench.beside[String(child.pid)] = options.name;
      return child.pid;
    }
    if (performance.now() > deadline) throw new Error(`${options.name} did not become ready`);
    await sleep(250, undefined, { signal: run.signal });
  }
}

const answersReady = (port: number) =>
  fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );

/**
 * Creates a product per name through the gateway as the operator, then restocks each (a million)
 * once inventory holds it (its ProductCreated applied). Returns their ids, in the order of `names`.
 */
export async function stockedProducts(run: BenchRun, gatewayUrl: string, names: readonly string[]) {
  const as = { as: 'operator' as const };
  const ids: string[] = [];
  for (const name of names) {
    const created = await graphqlRequest<{ createProduct: { id: string } }>(
      gatewayUrl,
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `bench-${ids.length}-${Date.now()}`, name, price: 10 } },
      as,
    );
    const id = created.data?.createProduct.id;
    if (!id) throw new Error(`createProduct failed: ${JSON.stringify(created.errors)}`);
    ids.push(id);
  }
  const restock = 'mutation ($id: ID!) { restock(productId: $id, quantity: 1000000) { id } }';
  const restocked = await poll(
    () => Promise.all(ids.map((id) => graphqlRequest(gatewayUrl, restock, { id }, as))),
    (answers) => answers.every((answer) => !answer.errors),
    { intervalMs: 250, timeoutMs: 30_000, signal: run.signal },
  );
  if (!restocked.met) throw new Error('inventory never held the products');
  return ids;
}
