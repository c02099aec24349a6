import { randomUUID } from 'node:crypto';
import { createLogger } from '@msd/service-kit';
import { createTestDatabase, type TestDatabase } from '@msd/testing';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  clearEventBus,
  createEventConsumer,
  deliveryOptions,
  type EventConsumer,
  type EventEnvelope,
  eventBus,
  outboxAppend,
  queueName,
  signEvent,
} from '../src/index.ts';

// A consumer whose effect is one plain SQL statement with its inbox row (the hot paths' way), on
// inventory's tables: ProductCreated opens a stock row and announces it (an outbox row).
const bus = eventBus({ prefix: `test-${randomUUID()}` });
const failing = new Set<string>();
let database: TestDatabase;
let pool: pg.Pool;
let consumer: EventConsumer;
let queue: Queue;

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  consumer = createEventConsumer({
    event: 'ProductCreated',
    subscriber: 'inventory',
    bus,
    logger: createLogger('effect-statement-test'),
    sql: pool,
    effect: (event) => ({
      // `$6` makes the statement fail (a division by zero) after the inbox row and the stock row.
      ctes: `opened AS (
          INSERT INTO stock_levels (product_id, quantity)
          SELECT $5::uuid, CASE WHEN $6::boolean THEN 1 / 0 ELSE 1 END WHERE EXISTS (SELECT FROM inbox)
          RETURNING product_id),
        announced AS (${outboxAppend(`SELECT gen_random_uuid(), 'StockReserved', product_id::text, 1,
          jsonb_build_object('orderId', product_id), NULL::jsonb FROM opened`)})`,
      outcome: `'applied'`,
      values: [event.payload.productId, failing.has(event.id)],
    }),
  });
  await consumer.start();
  queue = new Queue(queueName('ProductCreated', 'inventory'), bus);
});
afterAll(async () => {
  await consumer?.stop();
  await queue?.close();
  await clearEventBus(bus);
  await pool?.end();
  await database?.drop();
});

function productCreated(): EventEnvelope<'ProductCreated'> {
  const productId = randomUUID();
  return {
    id: randomUUID(),
    type: 'ProductCreated',
    aggregateId: productId,
    version: 1,
    occurredAt: new Date().toISOString(),
    payload: { productId, sku: `SKU-${productId}`, name: 'Thing', price: 1 },
  };
}

const deliver = (event: EventEnvelope) =>
  queue.add(event.type, { ...event, signature: signEvent(event, bus.keys.product!) }, deliveryOptions);

const count = async (sql: string, value: string) =>
  Number((await pool.query<{ n: string }>(sql, [value])).rows[0]?.n);
const stockRows = (productId: string) =>
  count('SELECT count(*) AS n FROM stock_levels WHERE product_id = $1::uuid', productId);
const inboxRows = (eventId: string) =>
  count('SELECT count(*) AS n FROM processed_events WHERE event_id = $1::uuid', eventId);
const outboxRows = (productId: string) =>
  count('SELECT count(*) AS n FROM outbox_events WHERE aggregate_id = $1', productId);

describe('a consumer whose effect is one statement with its inbox row', () => {
  it('applies an event delivered twice once: one inbox row, one effect, one outbox row', async () => {
    const event = productCreated();
    await Promise.all([deliver(event), deliver(event)]);
    await vi.waitFor(async () => expect(await consumer.depth()).toBe(0), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await inboxRows(event.id)).toBe(1), { timeout: 10_000 });
    expect(await stockRows(event.payload.productId)).toBe(1);
    expect(await outboxRows(event.payload.productId)).toBe(1);
  });

  it('records nothing when the effect fails, so the retry applies it', async () => {
    const event = productCreated();
    failing.add(event.id);
    const job = await deliver(event);
    // The first attempt failed: neither the inbox row nor the effect of that statement remains.
    await vi.waitFor(async () => expect((await queue.getJob(job.id!))?.attemptsMade).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    expect(await inboxRows(event.id)).toBe(0);
    expect(await stockRows(event.payload.productId)).toBe(0);
    failing.delete(event.id);
    // Had the failed attempt kept its inbox row, the retry would be a duplicate and apply nothing.
    await vi.waitFor(async () => expect(await stockRows(event.payload.productId)).toBe(1), {
      timeout: 10_000,
    });
    expect(await inboxRows(event.id)).toBe(1);
    expect(await outboxRows(event.payload.productId)).toBe(1);
  });
});
