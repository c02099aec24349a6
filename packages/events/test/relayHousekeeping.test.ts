import { randomUUID } from 'node:crypto';
import { createLogger } from '@msd/service-kit';
import { createTestDatabase, startRedisServer, type TestDatabase, type TestRedis } from '@msd/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  clearEventBus,
  createOutboxRelay,
  createRetention,
  type EventBusOptions,
  eventBus,
  type OutboxRelay,
  retentionRules,
} from '../src/index.ts';

// The order service's schema has both an outbox and an inbox.
let database: TestDatabase;
let pool: pg.Pool;
let redis: TestRedis;
const logger = createLogger('housekeeping-test');
const buses: EventBusOptions[] = [];

beforeAll(async () => {
  database = await createTestDatabase('order');
  pool = new pg.Pool({ connectionString: database.url });
  redis = await startRedisServer({ persistence: false });
}, 120_000);
afterAll(async () => {
  await Promise.all(buses.map(clearEventBus));
  await pool?.end();
  await database?.drop();
  await redis?.destroy();
});

function newBus(redisUrl?: string) {
  const bus = eventBus({ prefix: `test-${randomUUID()}`, ...(redisUrl ? { redisUrl } : {}) });
  buses.push(bus);
  return bus;
}

async function commitEvent(): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO outbox_events (id, type, aggregate_id, version, payload)
     VALUES ($1, 'ProductUpdated', $2, 2, '{}'::jsonb)`,
    [id, randomUUID()],
  );
  await pool.query(`SELECT pg_notify('outbox', '')`);
  return id;
}

const publishedAt = async (id: string) =>
  (await pool.query('SELECT published_at FROM outbox_events WHERE id = $1', [id])).rows[0]?.published_at ??
  null;

describe('outbox relay housekeeping', () => {
  it('drains again when a NOTIFY arrives during a drain, instead of waiting for the next poll', async () => {
    let second: string | undefined;
    const relay: OutboxRelay = createOutboxRelay({
      service: 'order',
      databaseUrl: database.url,
      bus: newBus(),
      logger,
      pollIntervalMs: 60_000, // only a NOTIFY can wake it within the test
      // During the first drain, another write commits (and notifies) before the batch is marked.
      beforeMarkPublished: async () => {
        second ??= await commitEvent();
      },
    });
    await relay.start();
    try {
      const first = await commitEvent();
      await vi.waitFor(async () => expect(await publishedAt(first)).not.toBeNull(), { timeout: 5_000 });
      expect(second).toBeDefined();
      await vi.waitFor(async () => expect(await publishedAt(second!)).not.toBeNull(), { timeout: 3_000 });
    } finally {
      await relay.stop();
    }
  });

  it('holds no row lock while Redis hangs: the call times out, the transaction ends, the rows wait', async () => {
    const relay = createOutboxRelay({
      service: 'order',
      databaseUrl: database.url,
      bus: newBus(redis.url),
      logger,
      pollIntervalMs: 100,
      redisCommandTimeoutMs: 500,
      // Redis hangs exactly when the relay holds the claimed rows and is about to hand them over.
      beforePublish: () => {
        if (!paused) redis.pause();
        paused = true;
      },
    });
    let paused = false;
    await relay.start();
    try {
      const id = await commitEvent();
      await vi.waitFor(() => expect(paused).toBe(true), { timeout: 5_000 });
      // For 4 s, no transaction of this database stays open longer than the timeout (plus slack).
      let longest = 0;
      for (let sample = 0; sample < 40; sample++) {
        const { rows } = await pool.query<{ open_ms: number | null }>(
          `SELECT max(extract(epoch FROM clock_timestamp() - xact_start) * 1000) AS open_ms
           FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
        );
        longest = Math.max(longest, Number(rows[0]?.open_ms ?? 0));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(longest).toBeLessThan(2_000);
      expect(await publishedAt(id)).toBeNull();
      redis.resume();
      await vi.waitFor(async () => expect(await publishedAt(id)).not.toBeNull(), { timeout: 15_000 });
    } finally {
      redis.resume();
      await relay.stop();
    }
  });
});

describe('retention', () => {
  it('deletes inbox rows past their retention in batches, and keeps the recent ones', async () => {
    await pool.query(
      `INSERT INTO processed_events (event_id, consumer, event_type, lag_ms, processed_at)
       SELECT gen_random_uuid(), 'ProductUpdated.order', 'ProductUpdated', 1, now() - interval '9 days'
       FROM generate_series(1, 12000)`,
    );
    await pool.query(
      `INSERT INTO processed_events (event_id, consumer, event_type, lag_ms)
       SELECT gen_random_uuid(), 'ProductUpdated.order', 'ProductUpdated', 1 FROM generate_series(1, 10)`,
    );
    const retention = createRetention({ db: dbOf(pool), logger, rules: [retentionRules.inbox()] });
    await retention.run();
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_events');
    expect(Number(rows[0]!.n)).toBe(10);
  });
});

/** The slice of a Prisma client the retention needs, over a pg pool. */
function dbOf(p: pg.Pool) {
  return {
    $executeRaw: () => Promise.reject(new Error('not used')),
    $executeRawUnsafe: async (sql: string, ...values: unknown[]) =>
      (await p.query(sql, values)).rowCount ?? 0,
    $queryRawUnsafe: async <T>(sql: string, ...values: unknown[]) => (await p.query(sql, values)).rows as T,
  };
}
