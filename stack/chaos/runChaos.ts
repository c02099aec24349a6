import { randomBytes, randomUUID } from 'node:crypto';
import { dropDatabase, migrateAll } from '@msd/database';
import {
  databaseName,
  databaseUrlVariable,
  type ProcessName,
  type ServiceName,
  serviceNames,
} from '@msd/registry';
import { createLogger } from '@msd/service-kit';
import { startRedisServer } from '@msd/testing';
import { launchStack } from '../src/index.ts';
import { type OperationCounts, startChaosLoad } from './chaosLoad.ts';
import { checkInvariants, type InvariantInput } from './checkInvariants.ts';
import { gatewayCall } from './gatewayCall.ts';
import { type FaultKind, faultKinds, injectFault } from './injectFault.ts';

export interface ChaosOptions {
  /** The environment the stack's processes inherit (the calling entry point's own). */
  environment: NodeJS.ProcessEnv;
  /** How long faults are injected under load. */
  durationMs: number;
  /** Mean time between faults (each is drawn between half and one and a half of it). */
  faultIntervalMs?: number;
  /** How long the invariants may take to hold after the last fault (default 2 minutes). */
  convergeTimeoutMs?: number;
  seed?: number;
  /** Run the compiled JavaScript (`npm run build` first), as production does: a kill's restart is up sooner. */
  built?: boolean;
  /**
   * Makes each service's migrated database (default: created and migrated here, as `npm run db:migrate`
   * does); a test passes a copy of its run's template.
   */
  createDatabase?: (service: ServiceName) => Promise<{ name: string; url: string; drop(): Promise<void> }>;
  /** Where each process's output goes (default: dropped; warnings and errors are in the report's tail). */
  output?: (name: string, line: string) => void;
  log?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  durationMs: number;
  faults: Record<FaultKind, number>;
  faultLog: string[];
  operations: OperationCounts;
  /** Processes that exited without being killed by a fault (each is also a violation). */
  crashes: number;
  /** From the end of the last fault to every invariant holding; null when they never did. */
  convergeMs: number | null;
  violations: string[];
  counts: Record<string, number>;
}

const INITIAL_STOCK = 200;

// Short settings so that a run converges in seconds; retention short enough to be seen working.
const settings = {
  REACTION_DEADLINE_MS: '5000',
  REACTION_REPAIR_INTERVAL_MS: '2000',
  RECONCILE_INTERVAL_MS: '5000',
  RETENTION_INTERVAL_MS: '10000',
  INBOX_RETENTION_MS: '900000',
  OUTBOX_RETENTION_MS: '30000',
  OUTBOX_MAX_RETENTION_MS: '600000',
  RECONCILIATION_RUNS_RETENTION_MS: '60000',
  RENAME_RETENTION_MS: '60000',
  LOG_LEVEL: 'warn',
  // The PostgreSQL server is shared: eight processes keep to a few connections each.
  DATABASE_POOL_MAX: '2',
};

/**
 * A bounded fault-injection run against the real processes, launched as `npm start` launches them
 * (one Node.js process per service, the coordinator and the gateway), on databases, a queue prefix
 * and a redis-server of its own (never the shared Redis: it is flushed and killed). A mixed load runs
 * while faults are injected at random; then the load stops, and the run waits until every
 * invariant holds, or reports those that do not.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? randomBytes(4).readUInt32LE();
  const random = mulberry32(seed);
  const runId = randomBytes(3).toString('hex');
  const database = (service: ServiceName) => `${databaseName(service)}_chaos_${runId}`;
  const made = new Map<ServiceName, { name: string; drop(): Promise<void> }>();
  const redis = await startRedisServer({ persistence: false });
  const prefix = `chaos-${randomUUID()}`;
  let stack: Awaited<ReturnType<typeof launchStack>> | undefined;
  // A process that dies of a fault it was not killed by is a finding: reported, then restarted as
  // a supervisor would, so the run goes on.
  const killing = new Set<ProcessName>();
  const crashes: string[] = [];
  const restarts: Promise<void>[] = [];
  try {
    if (!options.createDatabase)
      for (const service of serviceNames) {
        const name = database(service);
        made.set(service, { name, drop: () => dropDatabase(name) });
      }
    const urls = options.createDatabase
      ? await createDatabases(options.createDatabase, made)
      : await migrateAll({ database, log: () => {} });
    const databases = [...made.values()].map(({ name }) => name);
    const env = {
      ...Object.fromEntries(serviceNames.map((service) => [databaseUrlVariable(service), urls[service]])),
      ...settings,
      REDIS_URL: redis.url,
      EVENTS_PREFIX: prefix,
      // The load is one operator driving everything: a per-caller budget would refuse the load itself.
      RATE_LIMIT: 'off',
    };
    stack = await launchStack({
      logger: createLogger('chaos'),
      environment: options.environment,
      portBase: await freePortRange(),
      built: options.built ?? false,
      env,
      output: options.output ?? (() => {}),
      readyTimeoutMs: 120_000,
      onExit: (name, exit) => {
        if (killing.has(name)) return;
        crashes.push(`${name} exited unexpectedly (${exit.signal ?? `code ${exit.code}`})`);
        log(`${name} exited unexpectedly; restarting it`);
        stack
          ?.restart(name)
          .catch((error: Error) => crashes.push(`${name} did not restart: ${error.message}`));
      },
    });
    const catalog = await seedCatalog(stack.gatewayUrl);
    log(
      `stack ready (seed ${seed}); ${catalog.productIds.length} products, ${catalog.driverIds.length} drivers`,
    );

    const load = startChaosLoad({ gatewayUrl: stack.gatewayUrl, catalog, random });
    const faults = Object.fromEntries(faultKinds.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    const faultLog: string[] = [];
    const started = Date.now();
    const interval = options.faultIntervalMs ?? 3_000;
    // Faults in shuffled rounds of every kind, the last round finished past the duration: every run,
    // however short, injects each kind.
    let round: FaultKind[] = [];
    while (Date.now() - started < options.durationMs || round.length > 0) {
      await sleep(interval * (0.5 + random()));
      if (round.length === 0) round = shuffle([...faultKinds], random);
      const kind = round.pop() as FaultKind;
      try {
        const line = await injectFault(kind, { stack, redis, databases, random, killing, restarts });
        faults[kind]++;
        faultLog.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);
        log(`fault: ${line}`);
      } catch (error) {
        faultLog.push(
          `${((Date.now() - started) / 1000).toFixed(1)}s ${kind} failed: ${(error as Error).message}`,
        );
        log(`fault ${kind} failed: ${(error as Error).message}`);
      }
    }
    for (const restart of restarts)
      await restart.catch((error: Error) => crashes.push(`restart failed: ${error.message}`));
    const lastFault = Date.now();
    await load.stop();
    log('load stopped; waiting for the invariants');

    const input: InvariantInput = {
      databaseUrls: urls,
      redisUrl: redis.url,
      prefix,
      initialStock: INITIAL_STOCK,
      retention: {
        inboxMs: Number(settings.INBOX_RETENTION_MS),
        runsMs: Number(settings.RECONCILIATION_RUNS_RETENTION_MS),
        renamesMs: Number(settings.RENAME_RETENTION_MS),
        outboxMaxMs: Number(settings.OUTBOX_MAX_RETENTION_MS),
        intervalMs: Number(settings.RETENTION_INTERVAL_MS),
      },
    };
    const convergeTimeoutMs = options.convergeTimeoutMs ?? 120_000;
    const check = () =>
      checkInvariants(input).catch((error: Error) => ({
        violations: [`invariants could not be read: ${error.message}`],
        counts: {},
      }));
    let result = await check();
    while (result.violations.length > 0 && Date.now() - lastFault < convergeTimeoutMs) {
      await sleep(2_000);
      result = await check();
    }
    return {
      seed,
      durationMs: options.durationMs,
      faults,
      faultLog,
      operations: load.counts,
      convergeMs: result.violations.length === 0 ? Date.now() - lastFault : null,
      crashes: crashes.length,
      violations: [...crashes, ...result.violations],
      counts: result.counts,
    };
  } finally {
    await stack?.stop();
    await redis.destroy();
    for (const { drop } of made.values()) await drop().catch(() => {});
  }
}

/** One database per service from `create`, each recorded in `made` as soon as it exists (dropped even if a later one fails). */
async function createDatabases(
  create: NonNullable<ChaosOptions['createDatabase']>,
  made: Map<ServiceName, { name: string; drop(): Promise<void> }>,
): Promise<Record<ServiceName, string>> {
  const urls = {} as Record<ServiceName, string>;
  await Promise.all(
    serviceNames.map(async (service) => {
      const database = await create(service);
      made.set(service, database);
      urls[service] = database.url;
    }),
  );
  return urls;
}

/** Products (with stock) and drivers to run the load on, created through the gateway. */
async function seedCatalog(gatewayUrl: string) {
  const call = async (query: string, variables: Record<string, unknown> = {}) => {
    for (let attempt = 0; ; attempt++) {
      const result = await gatewayCall(gatewayUrl, query, variables).catch((error: Error) => ({
        data: null,
        errors: [{ message: error.message }],
      }));
      if (!result.errors?.length) return result.data as Record<string, { id: string }>;
      if (/already (exists|has)/.test(result.errors[0]?.message ?? '') || attempt > 50)
        throw new Error(`seeding failed: ${result.errors[0]?.message}`);
      await sleep(200);
    }
  };
  // A create whose answer timed out may have committed: a retry that finds the sku taken is done.
  for (let n = 0; n < 8; n++) {
    await call(
      'mutation ($sku: String!) { createProduct(input: { sku: $sku, name: $sku, price: 10 }) { id } }',
      { sku: `chaos-${n}` },
    ).catch((error: Error) => {
      if (!error.message.includes('already exists')) throw error;
    });
  }
  const listed = (await call('{ products(first: 100) { id } }')) as unknown as { products: { id: string }[] };
  const productIds = listed.products.map((p) => p.id);
  // The stock row appears when ProductCreated reaches inventory; restock retries until it has.
  for (const id of productIds)
    await call('mutation ($id: ID!, $q: Int!) { restock(productId: $id, quantity: $q) { stock } }', {
      id,
      q: INITIAL_STOCK,
    });
  // Likewise a driver: a retry that finds the plate taken is done.
  for (let n = 0; n < 5; n++) {
    await call(
      'mutation ($name: String!) { createDriver(input: { name: $name, car: { make: "Fiat", model: "Uno", color: "red", plate: $name } }) { id } }',
      { name: `Chaos driver ${n}` },
    ).catch((error: Error) => {
      if (!error.message.includes('already has plate')) throw error;
    });
  }
  const drivers = (await call('{ drivers(first: 100) { id } }')) as unknown as { drivers: { id: string }[] };
  return { productIds, driverIds: drivers.drivers.map((d) => d.id), rideIds: [] };
}

/** A base port whose 8 registry offsets (gateway 0 .. coordinator 7) are free now. */
async function freePortRange(): Promise<number> {
  const { createServer } = await import('node:net');
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let offset = 0; offset < 8 && ok; offset++) ok = await free(base + offset);
    if (ok) return base;
  }
}

function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

/** A small seeded PRNG, so a run can be repeated with its seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
