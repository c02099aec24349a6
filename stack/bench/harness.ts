/**
 * What the benchmarks share: a stack of separate processes on ports of its own, with databases of its
 * own and events under a queue prefix of its own; cleanup on exit, failure, Ctrl-C and watchdog;
 * percentiles, CPU from /proc, the machine's description, tables, and the results file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase, migrateAll } from '@msd/database';
import { clearEventBus, type EventBusOptions, eventBus } from '@msd/events';
import { databaseUrlVariable, type ServiceName, serviceNames } from '@msd/registry';
import { createLogger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { checkInfrastructure, launchStack, prefixOutput, type RunningStack } from '../src/index.ts';

export const logger = createLogger('bench');
export const benchDir = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: where the stack's processes run. */
export const repoRoot = path.resolve(benchDir, '..');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending array; `p` in [0, 1]. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** p50 / p99 / max (ms, rounded) of unsorted samples. */
export function latencySummary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

// ---------------------------------------------------------------------------------------------
// Aborting: a watchdog and Ctrl-C set a reason; the loops check it, and cleanup still runs.

let aborted: string | undefined;
export const abortReason = () => aborted;
export const checkAborted = () => {
  if (aborted) throw new Error(`aborted: ${aborted}`);
};

/** Starts the watchdog and makes SIGINT/SIGTERM abort the run (cleanup still happens). */
export function watchRun(watchdogMs: number): () => void {
  const watchdog = setTimeout(() => {
    aborted = `watchdog: over ${watchdogMs / 1000} s`;
  }, watchdogMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      aborted = signal;
    });
  }
  return () => clearTimeout(watchdog);
}

/** Cleanup steps, run in reverse order of registration; a failing step is logged, the rest still run. */
export class Cleanup {
  private readonly steps: { name: string; run: () => unknown }[] = [];
  add(name: string, run: () => unknown): void {
    this.steps.push({ name, run });
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        logger.error(`cleanup: ${step.name} failed`, { error });
      }
    }
  }
}

/** Runs a benchmark's main and exits: 0 when it finished, 1 when it failed. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      logger.error('benchmark failed', { error });
      console.error(error);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The stack

export interface BenchStackOptions {
  /** Database name per service, e.g. `<service>_db_bench`: dropped and migrated at the start. */
  database: (service: ServiceName) => string;
  /** Queue prefix, unique per run (its keys are deleted at the end), e.g. `bench-<uuid>`. */
  eventsPrefix: string;
  /** Gateway port; every other process keeps its registry offset from it. */
  portBase: number;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Runs after the databases are migrated, before the processes start (e.g. a direct seed). */
  beforeLaunch?: (urls: Record<ServiceName, string>) => Promise<void>;
  cleanup: Cleanup;
}

export interface BenchStack {
  stack: RunningStack;
  /** Each service's database URL. */
  urls: Record<ServiceName, string>;
  bus: EventBusOptions;
  /** `<NAME>_URL` of every process of the stack, for a process started next to it. */
  serviceUrls: Record<string, string>;
  /** The environment every process of the stack got on top of the bench's own. */
  env: Record<string, string>;
}

/**
 * Checks PostgreSQL and Redis, drops and migrates the bench databases, and starts the stack with
 * `launchStack` (separate processes, 127.0.0.1 only). Registers with `cleanup`: stopping the stack,
 * then deleting the run's Redis keys. The databases stay for inspection; the next run drops them.
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  await checkInfrastructure(logger);
  for (const service of serviceNames) await dropDatabase(options.database(service));
  const urls = await migrateAll({ database: options.database, log: () => {} });
  const bus = eventBus({ prefix: options.eventsPrefix });
  options.cleanup.add('clearing the event bus', () => clearEventBus(bus));
  await options.beforeLaunch?.(urls);
  const env = {
    ...Object.fromEntries(serviceNames.map((s) => [databaseUrlVariable(s), urls[s]])),
    EVENTS_PREFIX: bus.prefix,
    ...options.env,
  };
  const stack = await launchStack({
    logger,
    portBase: options.portBase,
    env,
    output: prefixOutput(process.stderr),
  });
  options.cleanup.add('stopping the stack', () => stack.stop());
  const serviceUrls = Object.fromEntries(
    Object.entries(stack.ports).map(([name, port]) => [
      `${name.toUpperCase()}_URL`,
      `http://127.0.0.1:${port}/graphql`,
    ]),
  );
  return { stack, urls, bus, serviceUrls, env };
}

// ---------------------------------------------------------------------------------------------
// The machine

function command(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();

export function machine() {
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memory: command('free', ['-h']),
    node: process.version,
    kernel: os.release(),
    commit: command('git', ['rev-parse', '--short', 'HEAD']),
    /** Uncommitted changes in the tree that was measured (other work in progress is part of it). */
    uncommitted: command('git', ['status', '--short']).split('\n').filter(Boolean),
  };
}

/** The machine, PostgreSQL's and Redis's versions, and the load average before the run. */
export async function describeEnvironment(databaseUrl: string, bus: EventBusOptions) {
  const db = new pg.Client({ connectionString: databaseUrl });
  const redis = new Redis({ ...(bus.connection as object), maxRetriesPerRequest: 1 });
  try {
    await db.connect();
    const [version, info] = await Promise.all([
      db.query<{ server_version: string }>('SHOW server_version'),
      redis.info('server'),
    ]);
    return {
      ...machine(),
      postgres: version.rows[0]?.server_version ?? 'unknown',
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      loadavgBefore: loadavg(),
    };
  } finally {
    redis.disconnect();
    await db.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// CPU: machine-wide from /proc/stat, per process group from /proc/<pid>/stat (utime + stime).

const clockTicks = (() => {
  const ticks = Number(command('getconf', ['CLK_TCK']));
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

export interface CpuSnapshot {
  wallMs: number;
  busyTicks: number;
  totalTicks: number;
  /** pid → group and CPU ticks used so far. */
  procs: Map<string, { group: string; ticks: number }>;
  loadavg: string;
}

function readProcStat(pid: string): { comm: string; ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    return { comm, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

let children = new Map<string, string>();

/**
 * Finds the stack's processes (direct children of this process, named by their entry file) for the
 * CPU figures; `names` overrides the group of given pids (a second gateway, say). Returns the groups.
 */
export function trackStackProcesses(names: Record<string, string> = {}): string[] {
  const pids = new Map<string, string>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (readProcStat(pid)?.ppid !== process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const match = /subgraphs\/(\w+)\/src\/index\.ts|(gateway)\/src\/index\.ts/.exec(cmdline);
    if (match) pids.set(pid, names[pid] ?? match[1] ?? match[2] ?? 'unknown');
  }
  children = pids;
  return [...pids.values()].sort();
}

export function cpuSnapshot(): CpuSnapshot {
  const line = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  const procs = new Map<string, { group: string; ticks: number }>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const stat = readProcStat(pid);
    if (!stat) continue;
    const group =
      children.get(pid) ??
      (pid === String(process.pid)
        ? 'bench'
        : stat.comm === 'postgres'
          ? 'postgres (all)'
          : stat.comm === 'redis-server'
            ? 'redis'
            : undefined);
    if (group) procs.set(pid, { group, ticks: stat.ticks });
  }
  return {
    wallMs: performance.now(),
    busyTicks: total - idle,
    totalTicks: total,
    procs,
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

/**
 * CPU used between two snapshots: machine-wide % of all cores, and per group % of one core
 * (per process, so connections that come and go are counted while they live; the CPU of a process
 * that exited in between is lost). `other` is what the machine spent outside these groups: the
 * machine is shared.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot) {
  const seconds = (b.wallMs - a.wallMs) / 1000;
  const ticks: Record<string, number> = {};
  for (const [pid, { group, ticks: used }] of b.procs) {
    ticks[group] = (ticks[group] ?? 0) + Math.max(0, used - (a.procs.get(pid)?.ticks ?? 0));
  }
  const percent = (t: number) => round(((t / clockTicks) * 100) / seconds, 0);
  const perGroup: Record<string, number> = {};
  for (const [group, t] of Object.entries(ticks)) perGroup[group] = percent(t);
  const machineBusyPercent = round(
    ((b.busyTicks - a.busyTicks) / Math.max(1, b.totalTicks - a.totalTicks)) * 100,
    0,
  );
  const counted = Object.values(perGroup).reduce((x, y) => x + y, 0);
  perGroup.other = Math.max(0, round(machineBusyPercent * os.availableParallelism() - counted, 0));
  return { machineBusyPercent, percentOfOneCore: perGroup, loadavgAtEnd: b.loadavg };
}

// ---------------------------------------------------------------------------------------------
// Output

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Writes `bench/results/<name>-<start time><suffix>.json` and returns its path. */
export function writeResults(name: string, startedAt: Date, results: unknown, suffix = ''): string {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${name}-${startedAt.toISOString().replace(/:/g, '-').replace(/\..+/, '')}${suffix}.json`,
  );
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
