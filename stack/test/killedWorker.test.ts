import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  clearEventBus,
  deliveryOptions,
  type EventEnvelope,
  eventBus,
  listDeadLetters,
  queueName,
  signEvent,
} from '@msd/events';
import { createTestDatabase, type TestDatabase } from '@msd/testing';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// No job disappears: a worker SIGKILLed in the middle of jobs, again and again, leaves every event
// applied exactly once or parked in the dead-letter queue, and nothing in BullMQ's failed set.
const EVENTS = 300;
const KILLS = 6;
const worker = fileURLToPath(new URL('./fixtures/effectWorker.ts', import.meta.url));
const bus = eventBus({ prefix: `test-${randomUUID()}` });
let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase('order');
  pool = new pg.Pool({ connectionString: database.url });
  // The effect is not idempotent on its own: a second application would be a second row.
  await pool.query('CREATE TABLE effects (event_id uuid NOT NULL)');
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await database?.drop();
  await clearEventBus(bus);
});

function startWorker(): Promise<ChildProcess> {
  // The fixture's types stripped by Node, the libraries it imports compiled (the `production` export
  // condition; the system tier builds once): it starts in a fraction of the time tsx takes, seven times.
  const child = spawn(process.execPath, ['--conditions=production', worker], {
    env: { ...process.env, DATABASE_URL: database.url, EVENTS_PREFIX: bus.prefix, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => data.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

/** As the product service's relay sends it: signed with its key. */
const signed = (event: EventEnvelope<'ProductUpdated'>) => ({
  ...event,
  signature: signEvent(event, bus.keys.product!),
});

describe('a consumer killed mid-job, repeatedly', () => {
  it('applies every event once or parks it; none is lost, none applied twice', {
    timeout: 120_000,
  }, async () => {
    const queue = new Queue(queueName('ProductUpdated', 'order'), bus);
    const ids = Array.from({ length: EVENTS }, () => randomUUID());
    await queue.addBulk(
      ids.map((id, n) => ({
        name: 'ProductUpdated',
        data: signed({
          id,
          type: 'ProductUpdated',
          aggregateId: randomUUID(),
          version: n + 2,
          occurredAt: new Date().toISOString(),
          payload: { productId: randomUUID(), name: `P${n}`, description: null, price: 1 },
        }),
        opts: { ...deliveryOptions, jobId: id },
      })),
    );
    // The jobs a kill interrupted: in the worker's hands when it died.
    const interrupted = new Set<string>();
    for (let kill = 0; kill < KILLS; kill++) {
      const child = await startWorker();
      const inFlight = await vi.waitFor(
        async () => {
          const active = await queue.getActive();
          expect(active.length).toBeGreaterThan(0);
          return active;
        },
        { timeout: 30_000, interval: 5 },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      for (const job of inFlight) interrupted.add(job.id!);
    }
    const last = await startWorker();
    try {
      // Done when BullMQ holds nothing more for the queue: every job completed or parked.
      await vi.waitFor(
        async () =>
          expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized')).toEqual({
            waiting: 0,
            active: 0,
            delayed: 0,
            failed: 0,
            prioritized: 0,
          }),
        { timeout: 60_000, interval: 250 },
      );
    } finally {
      last.kill('SIGTERM');
    }
    const effects = await pool.query<{ event_id: string; n: string }>(
      'SELECT event_id::text, count(*) AS n FROM effects GROUP BY event_id',
    );
    const inbox = await pool.query<{ event_id: string }>(
      `SELECT event_id::text FROM processed_events WHERE consumer = 'ProductUpdated.order'`,
    );
    const parked = new Set(
      (await listDeadLetters(bus, 'ProductUpdated.order')).map((entry) => String(entry.event.id)),
    );
    const applied = new Map(effects.rows.map((row) => [row.event_id, Number(row.n)]));
    expect([...applied.values()].filter((n) => n > 1)).toEqual([]); // never twice
    expect(new Set(inbox.rows.map((r) => r.event_id))).toEqual(new Set(applied.keys())); // effect ⇔ inbox
    const lost = ids.filter((id) => !applied.has(id) && !parked.has(id));
    expect(lost).toEqual([]);
    // The interrupted jobs were delivered again: each ended applied once or parked.
    expect(interrupted.size).toBeGreaterThan(0);
    expect([...interrupted].filter((id) => applied.get(id) !== 1 && !parked.has(id))).toEqual([]);
    console.info(`killed ${KILLS} times: ${applied.size} applied once, ${parked.size} parked of ${EVENTS}`);
    await queue.close();
  });
});
