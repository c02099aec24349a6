import { randomUUID } from 'node:crypto';
import {
  clearEventBus,
  deliveryOptions,
  type EventEnvelope,
  type EventPayload,
  type EventType,
  eventBus,
  gatewayStreamKey,
  producerOf,
  queueName,
  type Subscriber,
  signEvent,
  streamedToGateway,
} from '@msd/events';
import { graphqlRequest, startTestSubgraph, type TestSubgraph } from '@msd/testing';
import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type InventoryDatabase, openInventoryDatabase } from '../src/data/database.ts';
import { MAX_STOCK } from '../src/data/stockLevels.ts';
import { createInventoryServer } from '../src/server.ts';

const bus = eventBus({ prefix: `test-${randomUUID()}` });
const queues = new Map<string, Queue>();
const redis = new Redis(bus.connection);
const queue = (event: EventType, subscriber: Subscriber) => {
  const name = queueName(event, subscriber);
  let existing = queues.get(name);
  if (!existing) {
    existing = new Queue(name, { connection: bus.connection, prefix: bus.prefix });
    queues.set(name, existing);
  }
  return existing;
};

let inventory: TestSubgraph;
let db: InventoryDatabase;
beforeAll(async () => {
  inventory = await startTestSubgraph('inventory', (o) => createInventoryServer({ ...o, events: bus }));
  db = openInventoryDatabase(inventory.databaseUrl);
});
afterAll(async () => {
  await db?.$disconnect();
  await inventory?.stop();
  await Promise.all([...queues.values()].map((q) => q.close()));
  redis.disconnect();
  await clearEventBus(bus);
});

const eventually = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

const envelope = <T extends EventType>(type: T, aggregateId: string, payload: EventPayload<T>) =>
  ({
    id: randomUUID(),
    type,
    aggregateId,
    version: 1,
    occurredAt: new Date().toISOString(),
    payload,
  }) satisfies EventEnvelope<T>;

/** As the producer's relay sends it: signed with the producer's key. */
const signedByProducer = (event: EventEnvelope) => ({
  ...event,
  signature: signEvent(event, bus.keys[producerOf(event.type)!]!),
});

/** Delivers an event to inventory as the relay would: a job in its (event, inventory) queue. */
const deliver = (event: EventEnvelope) =>
  queue(event.type, 'inventory').add(event.type, signedByProducer(event), {
    ...deliveryOptions,
    removeOnComplete: false,
  }) as Promise<Job>;

// Completed jobs are kept here (in production they are removed at once) so the test can see the state.
const handled = (job: Job) => eventually(async () => expect(await job.getState()).toBe('completed'));

const call = (query: string, variables?: Record<string, unknown>) =>
  graphqlRequest(inventory.url, query, variables, { asService: 'inventory' });

const stockOf = async (...productIds: string[]) => {
  const response = await call(
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock } } }',
    { r: productIds.map((id) => ({ __typename: 'Product', id })) },
  );
  expect(response.errors).toBeUndefined();
  return (response.data!._entities as { stock: number | null }[]).map((p) => p.stock);
};

const restock = (productId: string, quantity: number) =>
  call('mutation ($id: ID!, $q: Int!) { restock(productId: $id, quantity: $q) { id stock } }', {
    id: productId,
    q: quantity,
  });

/** A product announced by the product service (stock row at 0), then restocked to `quantity`. */
const stockedProduct = async (quantity: number) => {
  const productId = randomUUID();
  await handled(
    await deliver(
      envelope('ProductCreated', productId, { productId, sku: `SKU-${productId}`, name: 'Thing', price: 1 }),
    ),
  );
  if (quantity > 0) expect((await restock(productId, quantity)).errors).toBeUndefined();
  return productId;
};

/**
 * Events inventory published to `subscriber` about an order or product: jobs the relay added to its
 * queue, or, for the events the gateway follows only for subscriptions, entries of its stream.
 */
const published = async (event: EventType, subscriber: Subscriber, aggregateId: string) => {
  const sent =
    subscriber === 'gateway' && streamedToGateway.has(event)
      ? (await redis.xrange(gatewayStreamKey(bus.prefix), '-', '+')).map(
          ([, fields]) => JSON.parse(fields[1] ?? 'null') as EventEnvelope,
        )
      : (await queue(event, subscriber).getJobs(['waiting', 'active', 'completed', 'delayed'])).map(
          (job) => job.data as EventEnvelope,
        );
  return sent.filter((e) => e.type === event && e.aggregateId === aggregateId);
};

const outboxOf = (aggregateId: string) => db.outboxEvent.findMany({ where: { aggregateId } });

describe('inventory: ProductCreated', () => {
  it('opens a stock row at 0 units, once, and a replay keeps the units restocked since', async () => {
    const productId = randomUUID();
    const created = envelope('ProductCreated', productId, {
      productId,
      sku: 'MUG-1',
      name: 'Mug',
      price: 12.5,
    });
    expect(await stockOf(productId)).toEqual([null]);
    await handled(await deliver(created));
    expect(await stockOf(productId)).toEqual([0]);

    expect((await restock(productId, 4)).data?.restock).toEqual({ id: productId, stock: 4 });
    await handled(await deliver(created)); // the same event again (inbox)
    await handled(await deliver({ ...created, id: randomUUID() })); // a re-published copy (existing row)
    expect(await stockOf(productId)).toEqual([4]);
    expect(await db.processedEvent.count({ where: { eventId: created.id } })).toBe(1);
  });
});

describe('inventory: OrderCreated reserves stock for every item or none', () => {
  it('reserves, publishes StockReserved, and reduces stock exactly once when delivered twice', async () => {
    const [a, b] = [await stockedProduct(10), await stockedProduct(5)];
    const orderId = randomUUID();
    const order = envelope('OrderCreated', orderId, {
      orderId,
      customerId: 'c-1',
      items: [
        { productId: a, quantity: 3 },
        { productId: b, quantity: 5 },
      ],
    });

    const deliveries = await Promise.all([deliver(order), deliver(order)]);
    await Promise.all(deliveries.map(handled));
    expect(await stockOf(a, b)).toEqual([7, 0]);

    const reserved = await eventually(async () => {
      const events = await published('StockReserved', 'order', orderId);
      expect(events).toHaveLength(1);
      return events[0]!;
    });
    expect(reserved).toMatchObject({ type: 'StockReserved', aggregateId: orderId, version: 1 });
    expect(reserved.payload).toEqual({ orderId });
    expect(await outboxOf(orderId)).toMatchObject([{ type: 'StockReserved', version: 1 }]);
    expect(await published('StockRejected', 'shipping', orderId)).toEqual([]);
  });

  it('rejects an order with one item short: StockRejected with the shortage, no stock changed', async () => {
    const [a, b] = [await stockedProduct(10), await stockedProduct(2)];
    const orderId = randomUUID();
    await handled(
      await deliver(
        envelope('OrderCreated', orderId, {
          orderId,
          customerId: 'c-2',
          items: [
            { productId: a, quantity: 3 },
            { productId: b, quantity: 5 },
          ],
        }),
      ),
    );
    expect(await stockOf(a, b)).toEqual([10, 2]);

    // Both subscribers get it: order (order becomes REJECTED) and shipping (shipment cancelled).
    for (const subscriber of ['order', 'shipping'] as const) {
      const [rejected] = await eventually(async () => {
        const events = await published('StockRejected', subscriber, orderId);
        expect(events).toHaveLength(1);
        return events;
      });
      expect(rejected).toMatchObject({ type: 'StockRejected', aggregateId: orderId, version: 1 });
      expect(rejected!.payload).toEqual({
        orderId,
        reason: expect.stringContaining('Insufficient stock'),
        shortages: [{ productId: b, requested: 5, available: 2 }],
      });
    }
    expect(await published('StockReserved', 'order', orderId)).toEqual([]);
  });

  it('counts a product without a stock row as 0 available, and sums a product listed twice', async () => {
    const a = await stockedProduct(4);
    const unknown = randomUUID();
    const orderId = randomUUID();
    await handled(
      await deliver(
        envelope('OrderCreated', orderId, {
          orderId,
          customerId: 'c-3',
          items: [
            { productId: a, quantity: 3 },
            { productId: a, quantity: 2 },
            { productId: unknown, quantity: 1 },
          ],
        }),
      ),
    );
    const [rejected] = await outboxOf(orderId);
    expect(rejected).toMatchObject({ type: 'StockRejected' });
    expect((rejected!.payload as EventPayload<'StockRejected'>).shortages).toEqual(
      expect.arrayContaining([
        { productId: a, requested: 5, available: 4 },
        { productId: unknown, requested: 1, available: 0 },
      ]),
    );
    expect(await stockOf(a, unknown)).toEqual([4, null]);
  });

  it('serves concurrent orders for the same stock without overselling', async () => {
    const a = await stockedProduct(5);
    const orders = Array.from({ length: 8 }, () => randomUUID());
    const jobs = await Promise.all(
      orders.map((orderId) =>
        deliver(
          envelope('OrderCreated', orderId, {
            orderId,
            customerId: 'c-4',
            items: [{ productId: a, quantity: 2 }],
          }),
        ),
      ),
    );
    await Promise.all(jobs.map(handled));
    const outcomes = await db.outboxEvent.findMany({ where: { aggregateId: { in: orders } } });
    expect(outcomes.filter((e) => e.type === 'StockReserved')).toHaveLength(2);
    expect(outcomes.filter((e) => e.type === 'StockRejected')).toHaveLength(6);
    expect(await stockOf(a)).toEqual([1]);
  });
});

describe('inventory: restock', () => {
  it('adds units to a stock row and returns the new stock', async () => {
    const productId = await stockedProduct(0);
    expect((await restock(productId, 25)).data?.restock).toEqual({ id: productId, stock: 25 });
    expect((await restock(productId, 5)).data?.restock).toEqual({ id: productId, stock: 30 });
    expect(await stockOf(productId)).toEqual([30]);
  });

  it('announces each restock with StockRestocked at the row’s new version, and a refused one not at all', async () => {
    const productId = await stockedProduct(0);
    expect((await restock(productId, 25)).errors).toBeUndefined();
    expect((await restock(productId, 5)).errors).toBeUndefined();
    const announced = await eventually(async () => {
      const events = await published('StockRestocked', 'gateway', productId);
      expect(events).toHaveLength(2);
      return events.sort((a, b) => a.version - b.version);
    });
    // The row was opened at version 1; each restock bumps it.
    expect(announced.map(({ version, payload }) => ({ version, payload }))).toEqual([
      { version: 2, payload: { productId, added: 25, stock: 25 } },
      { version: 3, payload: { productId, added: 5, stock: 30 } },
    ]);
    // Past the int4 limit: refused, and neither the stock nor the outbox changes.
    await db.stockLevel.update({ where: { productId }, data: { quantity: MAX_STOCK } });
    const refused = await restock(productId, 1);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    expect(await stockOf(productId)).toEqual([MAX_STOCK]);
    expect(await outboxOf(productId)).toHaveLength(2);
  });

  it.each([0, -3, 1_000_001])(
    'rejects quantity %d with BAD_USER_INPUT naming the field',
    async (quantity) => {
      const productId = await stockedProduct(7);
      const response = await restock(productId, quantity);
      expect(response.status).toBe(200);
      expect(response.data).toBeNull();
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
      expect(await stockOf(productId)).toEqual([7]);
    },
  );

  it.each([
    ['a product inventory has no stock row for', randomUUID()],
    ['an id that is not a uuid', 'nope'],
  ])('fails with NOT_FOUND for %s', async (_, productId) => {
    const response = await restock(productId, 1);
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await stockOf(productId)).toEqual([null]); // and no stock row was made
  });
});
