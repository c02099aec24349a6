import { adminUrl } from '@msd/database';
import type { ProcessName } from '@msd/registry';
import type { TestRedis } from '@msd/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { RunningStack } from '../src/index.ts';

export const faultKinds = ['kill', 'pause', 'redis-restart', 'redis-flush', 'pg-terminate'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** The processes a fault may hit: every service and the coordinator (the gateway carries the load). */
export const faultTargets: ProcessName[] = [
  'product',
  'order',
  'inventory',
  'shipping',
  'driver',
  'ride',
  'coordinator',
];

/**
 * One fault, against the chaos run's own processes, Redis and databases only:
 * - kill: SIGKILL, then a restart after up to 2 s (as a supervisor would), not waited for;
 * - pause: SIGSTOP for 1 to 4 s, then SIGCONT (a stalled process: GC, a noisy neighbour);
 * - redis-restart: the run's redis-server SIGKILLed and started again, without persistence (everything lost);
 * - redis-flush: FLUSHALL on the run's Redis;
 * - pg-terminate: pg_terminate_backend of every connection to the run's databases.
 * Returns a line for the log.
 */
export async function injectFault(
  kind: FaultKind,
  context: {
    stack: RunningStack;
    redis: TestRedis;
    databases: string[];
    random: () => number;
    /** Processes being killed and restarted: their exit is expected, and no other fault hits them. */
    killing: Set<ProcessName>;
    /** Restarts still under way. */
    restarts: Promise<void>[];
  },
): Promise<string> {
  const { stack, redis, random } = context;
  const candidates = faultTargets.filter((name) => !context.killing.has(name));
  const target = candidates[Math.floor(random() * candidates.length)] as ProcessName;
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  switch (kind) {
    case 'kill': {
      // The restart runs on while the next faults come (a slow start is part of the fault).
      context.killing.add(target);
      stack.signal(target, 'SIGKILL');
      const delay = random() * 2_000;
      context.restarts.push(
        wait(delay)
          .then(() => stack.restart(target, { readyTimeoutMs: 180_000 }))
          .finally(() => context.killing.delete(target)),
      );
      return `kill ${target} (restart after ${Math.round(delay)} ms)`;
    }
    case 'pause': {
      const ms = 1_000 + random() * 3_000;
      stack.signal(target, 'SIGSTOP');
      await wait(ms);
      stack.signal(target, 'SIGCONT');
      return `pause ${target} ${Math.round(ms)} ms`;
    }
    case 'redis-restart':
      await redis.crash();
      return 'redis restart (no persistence)';
    case 'redis-flush': {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
      return 'redis FLUSHALL';
    }
    case 'pg-terminate': {
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ n: string }>(
          `SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
           WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`,
          [context.databases],
        );
        return `pg_terminate_backend: ${rows[0]?.n ?? 0} connections`;
      } finally {
        await admin.end();
      }
    }
  }
}
