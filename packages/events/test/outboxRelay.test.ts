import { randomUUID } from 'node:crypto';
import { createLogger, metrics } from '@msd/service-kit';
import { createTestDatabase, startRedisServer, type TestDatabase } from '@msd/testing';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  clearEventBus,
  createOutboxRelay,
  type EventBusOptions,
  eventBus,
  type OutboxRelay,
  queueName,
} from '../src/index.ts';

// The relay is tested against the product service's own schema, which has the outbox table.
let database: TestDatabase;
let pool: pg.Pool;
const logger = createLogger('relay-test');
const relays: OutboxRelay[] = [];
const buses: EventBusOptions[] = [];

beforeAll(async () => {
  database = await createTestDatabase('product');
  pool = new pg.Pool({ connectionString: database.url });
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  await pool.query('DELETE FROM outbox_events');
});
afterAll(async () => {
  await Promise.all(buses.map(clearEventBus));
  await pool?.end();
  await database?.drop();
});

/** A queue prefix of this test's own; on a test's own Redis server, which is destroyed with its data. */
function newBus(redisUrl?: string) {
  if (redisUrl) return eventBus({ prefix: 'test', redisUrl });
  const bus = eventBus({ prefix: `test-${randomUUID()}` });
  buses.push(bus);
  return bus;
}

function relay(bus: EventBusOptions, options: Partial<Parameters<typeof createOutboxRelay>[0]> = {}) {
  const created = createOutboxRelay({
    service: 'product',
    databaseUrl: database.url,
    bus,
    logger,
    ...options,
  });
  relays.push(created);
  return created;
}

/** Commits `count` ProductUpdated rows, as the product service's writes do (with the NOTIFY that wakes a relay). */
async function commitEvents(count: number) {
  await pool.query(
    `WITH appended AS (
       INSERT INTO outbox_events (id, type, aggregate_id, version, payload)
       SELECT gen_random_uuid(), 'ProductUpdated', $1, n, jsonb_build_object('n', n) FROM generate_series(1, $2) AS n
       RETURNING 1)
     SELECT pg_notify('outbox', '') FROM appended LIMIT 1`,
    [randomUUID(), count],
  );
}

const unpublished = async () =>
  Number((await pool.query('SELECT count(*) FROM outbox_events WHERE published_at IS NULL')).rows[0].count);

async function queued(bus: EventBusOptions) {
  const queue = new Queue(queueName('ProductUpdated', 'order'), bus);
  try {
    return (await queue.getJobCounts('waiting')).waiting ?? 0;
  } finally {
    await queue.close();
  }
}

describe('outbox relay', () => {
  it('re-sends rows whose relay died after publishing and before marking them: nothing lost, nothing doubled', async () => {
    const bus = newBus();
    await commitEvents(50);
    const crashing = relay(bus, {
      beforeMarkPublished: () => {
        throw new Error('relay killed');
      },
    });
    await expect(crashing.drain()).rejects.toThrow('relay killed');
    expect(await unpublished()).toBe(50);
    expect(await queued(bus)).toBe(50);

    expect(await relay(bus).drain()).toBe(50);
    expect(await unpublished()).toBe(0);
    // The event id is the job id: the re-sent events did not become second jobs.
    expect(await queued(bus)).toBe(50);
  });

  it("sends each job with 8 attempts and the bus's first retry delay (100 ms unless the bus sets one)", async () => {
    for (const [bus, delay] of [
      [newBus(), 100],
      [{ ...newBus(), retryDelayMs: 10 }, 10],
    ] as const) {
      await commitEvents(1);
      expect(await relay(bus).drain()).toBe(1);
      const queue = new Queue(queueName('ProductUpdated', 'order'), {
        connection: bus.connection,
        prefix: bus.prefix,
      });
      try {
        const [job] = await queue.getJobs(['waiting']);
        expect(job?.opts).toMatchObject({ attempts: 8, backoff: { type: 'exponential', delay } });
      } finally {
        await queue.close();
      }
    }
  });

  it('sends the first event after a quiet spell at once, and under load lets the next batch gather for lingerMs', async () => {
    const bus = newBus();
    let commitDuringDrain = true;
    const lingering = relay(bus, {
      lingerMs: 2_000,
      // A commit while the first batch is out: the relay is under load.
      beforePublish: async () => {
        if (commitDuringDrain) await commitEvents(1);
        commitDuringDrain = false;
      },
    });
    await lingering.start();
    const committed = Date.now();
    await commitEvents(1);
    const seen: number[] = [];
    await vi.waitFor(
      async () => {
        if ((await queued(bus)) > seen.length) seen.push(Date.now());
        expect(seen).toHaveLength(2);
      },
      { timeout: 15_000, interval: 20 },
    );
    const [first, second] = seen as [number, number];
    expect(first - committed).toBeLessThan(2_000);
    expect(second - first).toBeGreaterThanOrEqual(1_900);
  });

  it('shares the outbox between two relays without sending a row twice (FOR UPDATE SKIP LOCKED)', async () => {
    const bus = newBus();
    await commitEvents(2_000);
    const metricsBefore = await publishedTotal();
    const [a, b] = await Promise.all([
      relay(bus, { batchSize: 100 }).drain(),
      relay(bus, { batchSize: 100 }).drain(),
    ]);
    expect(a + b).toBe(2_000);
    expect(await publishedTotal()).toBe(metricsBefore + 2_000);
    expect(await queued(bus)).toBe(2_000);
  });

  it('lets the outbox grow while Redis is down and drains it when Redis returns', async () => {
    const redis = await startRedisServer();
    try {
      const bus = newBus(redis.url);
      // The relay's failed cycles, as it reports them ("... failed, will retry").
      let attempts = 0;
      const counting = {
        ...logger,
        warn: (message: string, fields?: Record<string, unknown>) => {
          if (message.endsWith('failed, will retry')) attempts++;
          logger.warn(message, fields);
        },
      };
      const running = relay(bus, { pollIntervalMs: 50, logger: counting });
      await running.start();
      await commitEvents(100);
      await vi.waitFor(async () => expect(await unpublished()).toBe(0), { timeout: 5_000 });

      await redis.stop();
      await commitEvents(200);
      // The relay has tried (and failed) since the rows were committed, and published nothing.
      const before = attempts;
      await vi.waitFor(() => expect(attempts).toBeGreaterThan(before), { timeout: 10_000 });
      expect(await unpublished()).toBe(200);

      await redis.start();
      await vi.waitFor(async () => expect(await unpublished()).toBe(0), { timeout: 15_000, interval: 100 });
      expect(await queued(bus)).toBe(300);
    } finally {
      await Promise.all(relays.splice(0).map((r) => r.stop()));
      await redis.destroy();
    }
  });
});

async function publishedTotal(): Promise<number> {
  const metric = await metrics.getSingleMetric('outbox_events_published_total')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}
