import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { clearEventBus, eventBus } from '@msd/events';
import { openInventoryDatabase } from '@msd/inventory-service/database';
import { openOrderDatabase } from '@msd/order-service/database';
import { databaseUrlVariable, type ProcessName, processes, serviceNames } from '@msd/registry';
import { createLogger } from '@msd/service-kit';
import { createTestDatabase, graphqlRequest, type TestDatabase } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchStack, type RunningStack } from '../src/index.ts';
import { buildProduction } from './support/buildProduction.ts';

// Two replicas of every service and two gateways, each behind a round-robin, under load, with one
// replica of each killed (SIGKILL) halfway: relays share the outbox, consumers share the queues,
// and nothing acknowledged is lost.
const bus = eventBus({ prefix: `test-${randomUUID()}` });
const databases: Partial<Record<string, TestDatabase>> = {};
let stack: RunningStack;
const STOCK = 10_000;

beforeAll(async () => {
  buildProduction();
  const env: Record<string, string> = {
    EVENTS_PREFIX: bus.prefix,
    LOG_LEVEL: 'warn',
    DATABASE_POOL_MAX: '3',
  };
  for (const service of serviceNames) {
    const database = await createTestDatabase(service);
    databases[service] = database;
    env[databaseUrlVariable(service)] = database.url;
  }
  stack = await launchStack({
    logger: createLogger('scale-out-test'),
    portBase: await freeRange(),
    replicas: 2,
    built: true,
    env,
    readyTimeoutMs: 150_000,
  });
}, 240_000);
afterAll(async () => {
  await stack?.stop();
  await Promise.all(Object.values(databases).map((database) => database?.drop()));
  await clearEventBus(bus);
});

async function freeRange(): Promise<number> {
  for (;;) {
    // Below the ephemeral range (32768+), where outgoing connections could take a port meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(processes.map((_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('two replicas of everything, one of each killed under load', () => {
  it('loses no acknowledged order, applies each exactly once, and keeps serving', async () => {
    const query = <T>(text: string, variables: Record<string, unknown> = {}) =>
      graphqlRequest<T>(stack.gatewayUrl, text, variables, { as: 'operator' }).catch((error: Error) => ({
        status: 0,
        errors: [{ message: error.message }],
        data: undefined,
      }));
    let productId = '';
    await vi.waitFor(
      async () => {
        const created = await query<{ createProduct: { id: string } }>(
          'mutation { createProduct(input: { sku: "SO-1", name: "Scaled Kettle", price: 10 }) { id } }',
        );
        expect(created.errors).toBeUndefined();
        productId = created.data!.createProduct.id;
      },
      { timeout: 15_000, interval: 250 },
    );
    await vi.waitFor(
      async () =>
        expect(
          (
            await query('mutation ($id: ID!) { restock(productId: $id, quantity: 10000) { stock } }', {
              id: productId,
            })
          ).errors,
        ).toBeUndefined(),
      { timeout: 15_000, interval: 250 },
    );

    const acknowledged: string[] = [];
    let failed = 0;
    const reasons = new Map<string, number>();
    let killed = false;
    let failedAfterKill = 0;
    const stopAt = Date.now() + 12_000;
    const worker = async () => {
      while (Date.now() < stopAt) {
        const placed = await query<{ placeOrder: { id: string } }>(
          'mutation ($id: ID!) { placeOrder(input: { customerId: "c-1", items: [{ productId: $id, quantity: 1 }] }) { id } }',
          { id: productId },
        );
        if (placed.data?.placeOrder) acknowledged.push(placed.data.placeOrder.id);
        else {
          const reason = placed.errors?.[0]?.message ?? 'no answer';
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          failed++;
          if (killed) failedAfterKill++;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const beforeKill = acknowledged.length;
    await Promise.all(processes.map(({ name }) => stack.signalReplica(name as ProcessName, 0, 'SIGKILL')));
    killed = true;
    await load;
    const afterKill = acknowledged.length - beforeKill;

    // The survivors kept taking orders after the kill.
    expect(beforeKill).toBeGreaterThan(0);
    expect(afterKill).toBeGreaterThan(0);
    // Failed requests (those in flight on killed replicas, and timeouts or open circuits while the
    // survivors take over) are reported, not asserted: how many depends on the machine's load.

    // Every acknowledged order settles (no event lost with the killed relays and consumers)...
    const orderDb = openOrderDatabase(databases.order!.url);
    const inventoryDb = openInventoryDatabase(databases.inventory!.url);
    try {
      await vi.waitFor(
        async () => expect(await orderDb.order.count({ where: { status: 'PLACED' } })).toBe(0),
        { timeout: 60_000, interval: 500 },
      );
      const orders = await orderDb.order.findMany({ select: { id: true, status: true } });
      const stored = new Set(orders.map((order) => order.id));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(new Set(orders.map((order) => order.status))).toEqual(new Set(['CONFIRMED']));
      // ...and is reserved exactly once: no double publishing, no double consumption.
      const [level] = await inventoryDb.$queryRaw<
        { stock: number }[]
      >`SELECT sum(quantity)::int AS stock FROM stock_levels`;
      expect(level?.stock).toBe(STOCK - orders.length);
    } finally {
      await orderDb.$disconnect();
      await inventoryDb.$disconnect();
    }
    console.info(
      `scale-out: ${beforeKill} orders in 5 s before the kill, ${afterKill} in ~7 s after, ${failed} failed (${failedAfterKill} after the kill): ${JSON.stringify([...reasons])}`,
    );
  }, 180_000);
});
