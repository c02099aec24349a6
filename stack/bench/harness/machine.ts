/**
 * The machine a benchmark ran on, and the CPU it used: machine-wide from /proc/stat, per process
 * group from /proc/<pid>/stat (utime + stime).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBusOptions } from '@msd/events';
import { repoRoot } from '@msd/registry';
import { Redis } from 'ioredis';
import pg from 'pg';
import { round } from './stats.ts';

function command(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** `use` with a client connected to `url`, closed after. */
export async function withClient<T>(url: string, use: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

/** The 1-, 5- and 15-minute load averages. */
export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The machine, the tree, PostgreSQL's and Redis's versions, and the load average before the run. */
export async function describeEnvironment(databaseUrl: string, bus: EventBusOptions, cpu: CpuMeter) {
  const redis = new Redis({ ...bus.connection, maxRetriesPerRequest: 1 });
  try {
    const [version, info] = await Promise.all([
      withClient(databaseUrl, (db) => db.query<{ server_version: string }>('SHOW server_version')),
      redis.info('server'),
    ]);
    return {
      nproc: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      kernel: os.release(),
      commit: command('git', ['rev-parse', '--short', 'HEAD']),
      /** Uncommitted changes in the tree that was measured (other work in progress is part of it). */
      uncommitted: command('git', ['status', '--short']).split('\n').filter(Boolean),
      postgres: version.rows[0]?.server_version ?? 'unknown',
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      loadavgBefore: loadavg(),
      /** The process groups whose CPU is reported. */
      stackProcesses: cpu.groups,
    };
  } finally {
    redis.disconnect();
  }
}

export type Environment = Awaited<ReturnType<typeof describeEnvironment>>;

const clockTicks = (() => {
  const ticks = Number(command('getconf', ['CLK_TCK']));
  return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
})();

export interface CpuUse {
  /** Busy time of the whole machine, % of all cores. */
  machineBusyPercent: number;
  /** Per process group, % of one core; `other` is the machine's busy time outside these groups. */
  percentOfOneCore: Record<string, number>;
  loadavgAtEnd: string;
}

/** `/proc/<pid>/<file>`, or '' when the process is gone (or the file unreadable). */
export function procFile(pid: string | number | undefined, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

const pids = () => readdirSync('/proc').filter((name) => /^\d+$/.test(name));

function readProcStat(pid: string): { comm: string; ppid: number; ticks: number } | undefined {
  const text = procFile(pid, 'stat');
  if (!text) return undefined;
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const comm = text.slice(text.indexOf('(') + 1, close);
  return { comm, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** The stack's processes (children of this process, named by their entry file, and their own children): pid → name. */
export function stackProcesses(names: Record<string, string> = {}): Map<string, string> {
  const children = new Map<string, string>();
  for (const pid of pids()) {
    if (readProcStat(pid)?.ppid !== process.pid) continue;
    const cmdline = procFile(pid, 'cmdline');
    const match =
      /subgraphs\/(\w+)\/(?:src\/index\.ts|dist\/index\.js)|(gateway)\/(?:src\/index\.ts|dist\/index\.js)/.exec(
        cmdline,
      );
    if (match) children.set(pid, names[pid] ?? match[1] ?? match[2] ?? 'unknown');
    else if (names[pid]) children.set(pid, names[pid]);
  }
  // A process's own workers (GATEWAY_WORKERS forks them with node:cluster) count as that process.
  for (const pid of pids()) {
    const parent = children.get(String(readProcStat(pid)?.ppid));
    if (parent && !children.has(pid)) children.set(pid, parent);
  }
  return children;
}

/**
 * Measures the stack's processes (`stackProcesses`), this process, PostgreSQL and Redis. `names`
 * names given pids (a second gateway, another router started beside the stack). PostgreSQL backends
 * connected to a database `runDatabases` matches are `postgres (run)`, every other PostgreSQL process
 * `postgres (other)` (the server is shared). A benchmark gets one from its stack (`cpuMeter()`).
 */
export function stackCpuMeter(names: Record<string, string>, options: { runDatabases: RegExp }) {
  const children = stackProcesses(names);
  const postgresGroups = new Map<string, string>();
  const postgresGroup = (pid: string) =>
    options.runDatabases.test(procFile(pid, 'cmdline')) ? 'postgres (run)' : 'postgres (other)';
  const groupOf = (pid: string, comm: string) =>
    children.get(pid) ??
    (pid === String(process.pid)
      ? 'bench'
      : comm === 'postgres'
        ? (postgresGroups.get(pid) ?? postgresGroups.set(pid, postgresGroup(pid)).get(pid))
        : comm === 'redis-server'
          ? 'redis'
          : undefined);
  return {
    /** The groups measured: each stack process, `bench` (this process), the PostgreSQL groups, `redis`. */
    groups: [...new Set(children.values())].sort(),
    snapshot() {
      const line = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
      const total = line.reduce((a, b) => a + b, 0);
      const idle = (line[3] ?? 0) + (line[4] ?? 0);
      /** pid → group and CPU ticks used so far. */
      const procs = new Map<string, { group: string; ticks: number }>();
      for (const pid of pids()) {
        const stat = readProcStat(pid);
        const group = stat && groupOf(pid, stat.comm);
        if (stat && group) procs.set(pid, { group, ticks: stat.ticks });
      }
      return {
        wallMs: performance.now(),
        busyTicks: total - idle,
        totalTicks: total,
        procs,
        loadavg: loadavg(),
      };
    },
  };
}
export type CpuMeter = ReturnType<typeof stackCpuMeter>;
type CpuSnapshot = ReturnType<CpuMeter['snapshot']>;

/**
 * CPU used between two snapshots. Per process, so connections that come and go are counted while
 * they live; the CPU of a process that exited in between is lost. The machine is shared: `other`
 * says how much went elsewhere.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const seconds = (b.wallMs - a.wallMs) / 1000;
  const ticks: Record<string, number> = {};
  for (const [pid, { group, ticks: used }] of b.procs) {
    ticks[group] = (ticks[group] ?? 0) + Math.max(0, used - (a.procs.get(pid)?.ticks ?? 0));
  }
  const percentOfOneCore: Record<string, number> = {};
  for (const [group, t] of Object.entries(ticks)) {
    percentOfOneCore[group] = round(((t / clockTicks) * 100) / seconds, 0);
  }
  const machineBusyPercent = round(
    ((b.busyTicks - a.busyTicks) / Math.max(1, b.totalTicks - a.totalTicks)) * 100,
    0,
  );
  const counted = Object.values(percentOfOneCore).reduce((x, y) => x + y, 0);
  percentOfOneCore.other = Math.max(0, round(machineBusyPercent * os.availableParallelism() - counted, 0));
  return { machineBusyPercent, percentOfOneCore, loadavgAtEnd: b.loadavg };
}

/** Each group's CPU (% of one core) with no request at all (relays polling, queue workers, timers), over `ms`. */
export async function idleCpu(cpu: CpuMeter, ms: number, signal: AbortSignal): Promise<CpuUse> {
  const from = cpu.snapshot();
  await sleep(ms, undefined, { signal });
  return cpuBetween(from, cpu.snapshot());
}

/** Process groups that are not the stack: the benchmark itself, the rest of the machine, other databases. */
const outsideStack = new Set(['bench', 'other', 'postgres (other)']);
export const isStackGroup = (group: string) => !outsideStack.has(group);

/**
 * The one definition of "stack CPU per request": the stack's processes, the run's PostgreSQL
 * backends and Redis; not the benchmark, not other work on the machine.
 */
export const stackCpuMs = (perRequest: Record<string, number>) =>
  round(
    Object.entries(perRequest)
      .filter(([group]) => isStackGroup(group))
      .reduce((sum, [, ms]) => sum + ms, 0),
    2,
  );

/** CPU ms per request of each group, at `requestsPerSecond`. */
export const cpuMsPerRequest = (cpu: CpuUse, requestsPerSecond: number) =>
  Object.fromEntries(
    Object.entries(cpu.percentOfOneCore).map(([group, percent]) => [
      group,
      round((percent * 10) / Math.max(requestsPerSecond, 0.001), 2),
    ]),
  );

/**
 * CPU use with each group's idle rate (its own work with no request: relays polling, queue workers,
 * timers) taken off, never below zero; `other` is left as it is. A slower phase is then not charged
 * more of that background per request.
 */
export const cpuNetOfIdle = (use: CpuUse, idle: Record<string, number>): CpuUse => ({
  ...use,
  percentOfOneCore: Object.fromEntries(
    Object.entries(use.percentOfOneCore).map(([group, percent]) => [
      group,
      group === 'other' ? percent : Math.max(0, percent - (idle[group] ?? 0)),
    ]),
  ),
});
