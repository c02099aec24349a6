import type { EventConsumer } from '@msd/events';
import { openInventoryDatabase } from '@msd/inventory-service/database';
import { graphqlRequest, readCounter } from '@msd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// Anti-entropy for reactions: one queue at a time loses its job (obliterated: what a partial broker
// loss, a failover or an operator does), and the order flow still converges without a person.
let federation: TestFederation;
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });

const consumer = (service: 'order' | 'inventory' | 'shipping', queue: string) =>
  federation.subgraphs[service].server.background.find(
    (task): task is EventConsumer => (task as EventConsumer).queue === queue,
  ) as EventConsumer;

const order = async (id: string) =>
  (
    await query<{ order: { status: string; shipment: { status: string } | null } }>(
      'query ($id: ID!) { order(id: $id) { status shipment { status } } }',
      { id },
    )
  ).data!.order;

const stock = async (productId: string) =>
  (
    await query<{ product: { stock: number | null } }>('query ($id: ID!) { product(id: $id) { stock } }', {
      id: productId,
    })
  ).data!.product.stock;

/** A product of the test's own with 10 in stock: no test's arithmetic depends on another's orders. */
async function newProduct(): Promise<string> {
  const created = await query<{ createProduct: { id: string } }>(
    'mutation ($sku: String!) { createProduct(input: { sku: $sku, name: "AE Kettle", price: 10 }) { id } }',
    { sku: `ae-${Math.random().toString(36).slice(2, 10)}` },
  );
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  const productId = created.data.createProduct.id;
  await vi.waitFor(async () => expect(await stock(productId)).toBe(0), { timeout: 10_000 });
  await query('mutation ($id: ID!) { restock(productId: $id, quantity: 10) { stock } }', { id: productId });
  return productId;
}

/** How many repairs of this kind the order service has made so far. */
const repaired = (repair: string) =>
  readCounter(federation.subgraphs.order.url.replace(/graphql$/, 'metrics'), 'reactions_repaired_total', {
    reaction: 'order',
    repair,
  });

async function placeOrder(productId: string, quantity: number) {
  const { data, errors } = await query<{ placeOrder: { id: string } }>(
    'mutation ($id: ID!, $q: Int!) { placeOrder(input: { customerId: "c-ae", items: [{ productId: $id, quantity: $q }] }) { id } }',
    { id: productId, q: quantity },
  );
  expect(errors).toBeUndefined();
  return data!.placeOrder.id;
}

/** Stops one consumer, runs `during`, then drops every job of its queue (the loss) and starts it again. */
async function loseJobsOf(
  service: 'order' | 'inventory' | 'shipping',
  queue: string,
  during: () => Promise<void>,
) {
  const paused = consumer(service, queue);
  await paused.stop();
  await during();
  await vi.waitFor(async () => expect(await paused.depth()).toBeGreaterThan(0), { timeout: 10_000 });
  const doomed = new Queue(queue, federation.bus!);
  await doomed.obliterate({ force: true });
  await doomed.close();
  await paused.start();
}

beforeAll(async () => {
  federation = await startTestFederation({
    events: true,
    reactionDeadlineMs: 1_000,
    reactionRepairIntervalMs: 500,
  });
}, 120_000);
afterAll(() => federation?.stop());

describe('anti-entropy for the order flow', () => {
  it('confirms an order whose StockReserved was lost, by asking inventory', async () => {
    const productId = await newProduct();
    const repairs = await repaired('stock-decision-applied');
    let id = '';
    await loseJobsOf('order', 'StockReserved.order', async () => {
      id = await placeOrder(productId, 2);
    });
    await vi.waitFor(
      async () => expect(await order(id)).toEqual({ status: 'CONFIRMED', shipment: { status: 'PENDING' } }),
      {
        timeout: 15_000,
        interval: 200,
      },
    );
    expect(await stock(productId)).toBe(8);
    expect(await repaired('stock-decision-applied')).toBeGreaterThan(repairs);
  });

  it('opens the shipment of a confirmed order whose OrderCreated never reached shipping, and reserves once', async () => {
    const productId = await newProduct();
    const repairs = await repaired('order-created-resent');
    let id = '';
    await loseJobsOf('shipping', 'OrderCreated.shipping', async () => {
      id = await placeOrder(productId, 1);
      await vi.waitFor(async () => expect((await order(id)).status).toBe('CONFIRMED'), { timeout: 10_000 });
    });
    await vi.waitFor(async () => expect((await order(id)).shipment).toEqual({ status: 'PENDING' }), {
      timeout: 15_000,
      interval: 200,
    });
    expect(await stock(productId)).toBe(9); // OrderCreated was sent again; inventory's inbox dropped it
    expect(await repaired('order-created-resent')).toBeGreaterThan(repairs);
  });

  it('cancels the shipment of a rejected order whose StockRejected never reached shipping', async () => {
    const productId = await newProduct();
    const repairs = await repaired('stock-decision-resent');
    let id = '';
    await loseJobsOf('shipping', 'StockRejected.shipping', async () => {
      id = await placeOrder(productId, 50);
      await vi.waitFor(
        async () => expect(await order(id)).toEqual({ status: 'REJECTED', shipment: { status: 'PENDING' } }),
        {
          timeout: 10_000,
        },
      );
    });
    await vi.waitFor(async () => expect((await order(id)).shipment).toEqual({ status: 'CANCELLED' }), {
      timeout: 15_000,
      interval: 200,
    });
    expect(await stock(productId)).toBe(10);
    expect(await repaired('stock-decision-resent')).toBeGreaterThan(repairs);
  });

  it('drives an order that inventory never heard of: OrderCreated is sent again, and stock decided once', async () => {
    const productId = await newProduct();
    const repairs = await repaired('order-created-resent');
    let id = '';
    await loseJobsOf('inventory', 'OrderCreated.inventory', async () => {
      id = await placeOrder(productId, 3);
    });
    await vi.waitFor(
      async () => expect(await order(id)).toEqual({ status: 'CONFIRMED', shipment: { status: 'PENDING' } }),
      {
        timeout: 15_000,
        interval: 200,
      },
    );
    expect(await stock(productId)).toBe(7);
    expect(await repaired('order-created-resent')).toBeGreaterThan(repairs);
    const inventoryDb = openInventoryDatabase(federation.subgraphs.inventory.databaseUrl);
    try {
      expect(await inventoryDb.stockDecision.count({ where: { orderId: id } })).toBe(1);
    } finally {
      await inventoryDb.$disconnect();
    }
  });

  it('shows in replicationStatus that every order settled', async () => {
    await vi.waitFor(
      async () => {
        const { data } = await query<{
          replicationStatus: {
            orderReactions: { pending: number; overdue: number; lastRun: { checked: number } | null };
          };
        }>(
          '{ replicationStatus { orderReactions { reaction deadlineSeconds pending overdue lastRun { checked repaired } } } }',
        );
        expect(data!.replicationStatus.orderReactions).toMatchObject({ pending: 0, overdue: 0 });
      },
      { timeout: 10_000, interval: 200 },
    );
  });
});
