import { randomUUID } from 'node:crypto';
import { createLogger, metrics, processConfig } from '@msd/service-kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  clearEventBus,
  createEventConsumer,
  developmentEventKey,
  type EventConsumer,
  type EventEnvelope,
  eventBus,
  eventKeys,
  gatewayStreamKey,
  listDeadLetters,
  queueName,
  readGatewayStream,
  signEvent,
} from '../src/index.ts';

const bus = eventBus({ prefix: `test-${randomUUID()}` });
const applied: string[] = [];
let consumer: EventConsumer;
let queue: Queue;

beforeAll(async () => {
  // No database: the effect records what reached it, which is all these tests ask.
  consumer = createEventConsumer({
    event: 'ProductUpdated',
    subscriber: 'gateway',
    bus,
    logger: createLogger('signed-events-test'),
    apply: async (event) => {
      applied.push(event.id);
      return 'applied';
    },
  });
  await consumer.start();
  queue = new Queue(queueName('ProductUpdated', 'gateway'), bus);
});
afterAll(async () => {
  await consumer?.stop();
  await queue?.close();
  await clearEventBus(bus);
});

function productUpdated(): EventEnvelope<'ProductUpdated'> {
  const productId = randomUUID();
  return {
    id: randomUUID(),
    type: 'ProductUpdated',
    aggregateId: productId,
    version: 2_147_483_647,
    occurredAt: new Date().toISOString(),
    payload: { productId, name: 'Forged', description: null, price: 0 },
  };
}

async function unverifiedCount(queue = 'ProductUpdated.gateway') {
  const metric = await metrics.getSingleMetric('events_unverified_total')?.get();
  return metric?.values.find((value) => value.labels.queue === queue)?.value ?? 0;
}

describe('signed events', () => {
  it("applies an event signed with its producer's key", async () => {
    const event = productUpdated();
    await queue.add('ProductUpdated', { ...event, signature: signEvent(event, bus.keys.product!) });
    await vi.waitFor(() => expect(applied).toContain(event.id), { timeout: 10_000 });
  });

  it('parks and counts an unsigned event, one signed with a wrong key and one with another producer key; applies none', async () => {
    const before = await unverifiedCount();
    const unsigned = productUpdated();
    const wrongKey = productUpdated();
    const otherProducer = productUpdated();
    const forged = [
      unsigned,
      { ...wrongKey, signature: signEvent(wrongKey, 'made up by whoever reached Redis, 32+') },
      // The driver's key is real, but ProductUpdated is the product service's to publish.
      { ...otherProducer, signature: signEvent(otherProducer, bus.keys.driver!) },
      // A payload changed after signing.
      (() => {
        const event = productUpdated();
        const signature = signEvent(event, bus.keys.product!);
        return { ...event, payload: { ...event.payload, price: 1 }, signature };
      })(),
    ];
    for (const event of forged) await queue.add('ProductUpdated', event, { jobId: event.id });
    await vi.waitFor(
      async () => expect(await listDeadLetters(bus, 'ProductUpdated.gateway')).toHaveLength(forged.length),
      { timeout: 10_000 },
    );
    const parked = await listDeadLetters(bus, 'ProductUpdated.gateway');
    expect(new Map(parked.map((entry) => [entry.event.id, entry.error]))).toEqual(
      new Map([
        [forged[0]!.id, 'Unverified event: it carries no signature'],
        [forged[1]!.id, "Unverified event: the signature is not product's"],
        [forged[2]!.id, "Unverified event: the signature is not product's"],
        [forged[3]!.id, "Unverified event: the signature is not product's"],
      ]),
    );
    expect(await unverifiedCount()).toBe(before + forged.length);
    expect(applied.filter((id) => forged.some((event) => event.id === id))).toEqual([]);
  });
});

describe("the gateway's stream", () => {
  it('delivers the signed entries in order and drops the unsigned, forged and malformed ones, counting each', async () => {
    const redis = new Redis(bus.connection);
    try {
      const before = await unverifiedCount(gatewayStreamKey(bus.prefix));
      const start = await readGatewayStream(
        redis,
        bus,
        '$',
        () => {},
        () => {},
      );
      const signed = [productUpdated(), productUpdated()].map((event) => ({
        ...event,
        signature: signEvent(event, bus.keys.product!),
      }));
      const forged = productUpdated();
      const entries = [
        JSON.stringify(signed[0]),
        JSON.stringify(productUpdated()), // no signature
        JSON.stringify({ ...forged, signature: signEvent(forged, bus.keys.driver!) }),
        'not JSON',
        JSON.stringify(signed[1]),
      ];
      for (const entry of entries) await redis.xadd(gatewayStreamKey(bus.prefix), '*', 'event', entry);
      const delivered: string[] = [];
      const refused: string[] = [];
      const cursor = await readGatewayStream(
        redis,
        bus,
        start,
        (event) => delivered.push(event.id),
        (error) => refused.push(error.message),
      );
      expect(delivered).toEqual(signed.map((event) => event.id));
      expect(refused).toHaveLength(1); // reported once per read
      expect(await unverifiedCount(gatewayStreamKey(bus.prefix))).toBe(before + 3);
      const [last] = await redis.xrevrange(gatewayStreamKey(bus.prefix), '+', '-', 'COUNT', 1);
      expect(cursor).toBe(last?.[0]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('event keys from configuration', () => {
  it('derives a distinct development key per producer outside production, and none in production', () => {
    const development = eventKeys({ NODE_ENV: 'development' });
    expect(development.product).toBe(developmentEventKey('product'));
    expect(development.product).not.toBe(development.driver);
    expect(eventKeys({ NODE_ENV: 'production', PRODUCT_EVENT_KEY: 'p'.repeat(32) })).toEqual({
      product: 'p'.repeat(32),
    });
  });

  it('requires in production the keys a process signs and verifies with, and only those', () => {
    const production = { NODE_ENV: 'production', SERVICE_TOKEN: 's'.repeat(16) };
    const missing = (name: 'order' | 'ride' | 'product', env: Record<string, string>) =>
      (processConfig(name).safeParse(env).error?.issues ?? []).map((issue) => String(issue.path[0]));
    // order signs OrderCreated and verifies ProductUpdated, StockReserved and StockRejected.
    expect(missing('order', production).sort()).toEqual([
      'INVENTORY_EVENT_KEY',
      'ORDER_EVENT_KEY',
      'PRODUCT_EVENT_KEY',
    ]);
    // ride signs RideCompleted and verifies DriverUpdated.
    expect(missing('ride', production).sort()).toEqual(['DRIVER_EVENT_KEY', 'RIDE_EVENT_KEY']);
    expect(missing('product', { ...production, PRODUCT_EVENT_KEY: 'short' })).toEqual(['PRODUCT_EVENT_KEY']);
    expect(missing('product', { ...production, PRODUCT_EVENT_KEY: 'k'.repeat(32) })).toEqual([]);
    expect(missing('order', { NODE_ENV: 'development' })).toEqual([]);
  });

  it('refuses to verify without the key of the producer', () => {
    expect(() =>
      createEventConsumer({
        event: 'ProductUpdated',
        subscriber: 'gateway',
        bus: { ...bus, keys: { driver: bus.keys.driver! } },
        logger: createLogger('signed-events-test'),
        apply: async () => 'applied',
      }),
    ).toThrow(/No key to verify ProductUpdated events/);
  });
});
