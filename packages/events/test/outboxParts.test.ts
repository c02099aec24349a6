import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '@msd/service-kit';
import { createTestDatabase, type TestDatabase } from '@msd/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxRetentionRule } from '../src/createOutboxRelay.ts';
import { createRetention } from '../src/createRetention.ts';
import { createOutboxWakeups } from '../src/outbox/createOutboxWakeups.ts';
import { backoffDelay, createRetryLoop } from '../src/outbox/createRetryLoop.ts';

// The relay's parts that need no Redis, against a real PostgreSQL (the product schema has the outbox).
let database: TestDatabase;
let pool: pg.Pool;
const logger = createLogger('outbox-parts-test');

beforeAll(async () => {
  database = await createTestDatabase('product');
  pool = new pg.Pool({ connectionString: database.url });
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('outbox wake-ups', () => {
  it('wake the relay on a committed NOTIFY long before the poll, and remember it was notified', async () => {
    const wakeups = createOutboxWakeups({ databaseUrl: database.url, logger });
    await wakeups.listen();
    try {
      expect(wakeups.takeNotified()).toBe(false);
      let woken = false;
      const sleeping = wakeups.sleep(10 * 60_000).then(() => {
        woken = true;
      });
      await pool.query(`SELECT pg_notify('outbox', '')`);
      await sleeping; // would hang the test for 10 minutes without the NOTIFY
      expect(woken).toBe(true);
      expect(wakeups.takeNotified()).toBe(true);
      expect(wakeups.takeNotified()).toBe(false);
    } finally {
      await wakeups.close();
    }
  });

  it('fall back to polling when they cannot LISTEN', async () => {
    const warnings: string[] = [];
    const quiet: Logger = { ...logger, warn: (message) => warnings.push(message) };
    const wakeups = createOutboxWakeups({
      databaseUrl: 'postgresql://nobody@127.0.0.1:1/none',
      logger: quiet,
    });
    await wakeups.listen();
    await wakeups.sleep(1); // the poll still ends the wait
    expect(warnings).toEqual(['outbox relay: cannot LISTEN, polling instead']);
    await wakeups.close();
  });
});

describe('the retry loop', () => {
  it('backs off after each failure in a row, runs again at once when there is more, and idles otherwise', async () => {
    const outcomes: (boolean | Error)[] = [new Error('a'), new Error('b'), new Error('c'), true, false];
    const waits: number[] = [];
    let stop: () => Promise<void> = async () => {};
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const loop = createRetryLoop({
      name: 'test loop',
      logger: { ...logger, warn() {}, info() {} },
      idleMs: 1_000,
      cycle: async () => {
        const outcome = outcomes.shift();
        if (outcome instanceof Error) throw outcome;
        if (outcome === undefined) {
          void stop();
          finished();
        }
        return outcome ?? false;
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
      wake: () => {},
    });
    stop = () => loop.stop();
    await loop.start();
    await done;
    await loop.stop();
    // Three failures: 100, 200, 400 ms; then a cycle with more (no wait), one without (idle), and stop.
    expect(waits).toEqual([backoffDelay(1), backoffDelay(2), backoffDelay(3), 1_000]);
    expect([backoffDelay(1), backoffDelay(2), backoffDelay(3), backoffDelay(50)]).toEqual([
      100, 200, 400, 5_000,
    ]);
  });
});

describe("the outbox's retention", () => {
  it('deletes published rows behind the safe point and past the maximum retention, and keeps the rest', async () => {
    const relay = `test-${randomUUID()}`;
    const insert = (label: string, publishedAgo: string | null) =>
      pool.query(
        `INSERT INTO outbox_events (id, type, aggregate_id, version, payload, published_at)
         VALUES (gen_random_uuid(), 'ProductUpdated', $1, 1, '{}'::jsonb, clock_timestamp() - $2::interval)`,
        [label, publishedAgo],
      );
    await insert('unpublished', null);
    await insert('recent', '1 hour');
    await insert('old, behind the safe point', '3 days');
    await insert('old, not behind the safe point', '36 hours');
    await insert('past the maximum', '8 days');
    await pool.query(
      `INSERT INTO outbox_relay_state (relay, safe_point) VALUES ($1, clock_timestamp() - interval '2 days')`,
      [relay],
    );
    const retention = createRetention({
      db: pool,
      logger,
      rules: [outboxRetentionRule(relay, 24 * 3600 * 1000, 7 * 24 * 3600 * 1000)],
    });
    await retention.run();
    const { rows } = await pool.query<{ aggregate_id: string }>(
      'SELECT aggregate_id FROM outbox_events ORDER BY 1',
    );
    expect(rows.map((row) => row.aggregate_id)).toEqual([
      'old, not behind the safe point',
      'recent',
      'unpublished',
    ]);
  });
});
