import { randomUUID } from 'node:crypto';
import { graphqlRequest } from '@msd/testing';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// On Redis Cluster (and managed Redis in cluster mode) BullMQ's multi-key scripts only run when
// every key of a queue hashes to one slot: the queue prefix carries a hash tag, `{msd}` in
// deploy/. Real Redis here is a single node, so the test proves the system works end to end
// with such a prefix, and that every key it writes falls into one slot.
const prefix = `{test-${randomUUID()}}`;
let federation: TestFederation;
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });

beforeAll(async () => {
  federation = await startTestFederation({ events: true, eventsPrefix: prefix });
  // Warm every path the mutation takes (first Prisma queries are slow on a cold, shared machine).
  await query('{ products(first: 1) { id stock } orders(first: 1) { id shipment { status } } }');
}, 120_000);
afterAll(() => federation?.stop());

describe('the event bus under a hash-tagged queue prefix', () => {
  it('carries the whole choreography and a copy update, with every key in one cluster slot', async () => {
    const { data } = await query<{ createProduct: { id: string } }>(
      'mutation { createProduct(input: { sku: "HT-1", name: "Kettle", price: 10 }) { id } }',
    );
    const productId = data!.createProduct.id;
    const placed = await query<{ placeOrder: { id: string } }>(
      'mutation ($id: ID!) { placeOrder(input: { customerId: "c-1", items: [{ productId: $id, quantity: 1 }] }) { id } }',
      { id: productId },
    );
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data!.placeOrder.id;
    // OrderCreated → inventory (no stock yet) → StockRejected → order, and shipping.
    await vi.waitFor(
      async () => {
        const { data: order } = await query<{
          order: { status: string; shipment: { status: string } | null };
        }>('query ($id: ID!) { order(id: $id) { status shipment { status } } }', { id: orderId });
        expect(order?.order).toEqual({ status: 'REJECTED', shipment: { status: 'CANCELLED' } });
      },
      { timeout: 10_000 },
    );
    // ProductUpdated → the order's copy of the name.
    await query(
      'mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Heritage Kettle" }) { version } }',
      {
        id: productId,
      },
    );
    await vi.waitFor(
      async () => {
        const { data: order } = await query<{ order: { items: { productName: string }[] } }>(
          'query ($id: ID!) { order(id: $id) { items { productName } } }',
          { id: orderId },
        );
        expect(order?.order.items[0]?.productName).toBe('Heritage Kettle');
      },
      { timeout: 10_000 },
    );

    const redis = new Redis(federation.bus!.connection);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.length).toBeGreaterThan(10);
      expect(new Set(keys.map((key) => calculateSlot(key))).size).toBe(1);
      expect(calculateSlot(keys[0]!)).toBe(calculateSlot(prefix));
    } finally {
      redis.disconnect();
    }
  });
});
