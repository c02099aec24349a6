import type { EventConsumer } from '@msd/events';
import { graphqlRequest, readCounter, startRedisServer, type TestRedis } from '@msd/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// The report, as a test: inventory and shipping paused, an order placed, then Redis loses
// everything it held. The anti-entropy deadline is set far away, so only the relay's repair can help.
let redis: TestRedis;
let federation: TestFederation;
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });

const consumersOf = (service: 'inventory' | 'shipping') =>
  federation.subgraphs[service].server.background.filter(
    (task): task is EventConsumer => typeof (task as EventConsumer).queue === 'string',
  );

beforeAll(async () => {
  redis = await startRedisServer();
  federation = await startTestFederation({
    events: true,
    redisUrl: redis.url,
    reactionDeadlineMs: 3_600_000,
  });
}, 120_000);
afterAll(async () => {
  await federation?.stop().catch(() => {});
  await redis?.destroy();
});

describe('broker data loss', () => {
  it('is detected by the relays, which send again what Redis lost: the order is confirmed, with one shipment', async () => {
    const { data } = await query<{ createProduct: { id: string } }>(
      'mutation { createProduct(input: { sku: "loss-1", name: "Loss Kettle", price: 10 }) { id } }',
    );
    const productId = data!.createProduct.id;
    const stock = async () =>
      (
        await query<{ product: { stock: number | null } }>(
          'query ($id: ID!) { product(id: $id) { stock } }',
          {
            id: productId,
          },
        )
      ).data!.product.stock;
    await vi.waitFor(async () => expect(await stock()).toBe(0), { timeout: 10_000 });
    await query('mutation ($id: ID!) { restock(productId: $id, quantity: 10) { stock } }', { id: productId });

    const paused = [...consumersOf('inventory'), ...consumersOf('shipping')];
    await Promise.all(paused.map((consumer) => consumer.stop()));
    const placed = await query<{ placeOrder: { id: string } }>(
      'mutation ($id: ID!) { placeOrder(input: { customerId: "c-loss", items: [{ productId: $id, quantity: 3 }] }) { id } }',
      { id: productId },
    );
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data!.placeOrder.id;
    const inventoryQueue = paused.find((c) => c.queue === 'OrderCreated.inventory')!;
    await vi.waitFor(async () => expect(await inventoryQueue.depth()).toBe(1), { timeout: 10_000 });

    // Redis loses everything: the queued OrderCreated jobs, the epoch marker, the schedules.
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    await Promise.all(paused.map((consumer) => consumer.start()));

    const order = async () =>
      (
        await query<{ order: { status: string; shipment: { status: string } | null } }>(
          'query ($id: ID!) { order(id: $id) { status shipment { status } } }',
          { id: orderId },
        )
      ).data!.order;
    await vi.waitFor(
      async () => expect(await order()).toEqual({ status: 'CONFIRMED', shipment: { status: 'PENDING' } }),
      {
        timeout: 20_000,
        interval: 200,
      },
    );
    expect(await stock()).toBe(7); // reserved once, although OrderCreated was sent twice

    const metricsOf = (service: 'order' | 'inventory') =>
      federation.subgraphs[service].url.replace(/graphql$/, 'metrics');
    expect(await readCounter(metricsOf('order'), 'event_bus_data_losses_total', { service: 'order' })).toBe(
      1,
    );
    expect(
      await readCounter(metricsOf('order'), 'outbox_events_republished_total', { service: 'order' }),
    ).toBeGreaterThanOrEqual(1);
  });
});
