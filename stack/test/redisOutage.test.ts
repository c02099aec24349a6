import { openOrderDatabase } from '@msd/order-service/database';
import { openProductDatabase } from '@msd/product-service/database';
import { graphqlRequest, startRedisServer, subscribeOverHttp, type TestRedis } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

/** Rounds of one update per product while Redis is down (`REDIS_OUTAGE_ROUNDS`: the suite runs 12). */
const ROUNDS = Number(process.env.REDIS_OUTAGE_ROUNDS ?? 12);
let redis: TestRedis;
let federation: TestFederation;

beforeAll(async () => {
  redis = await startRedisServer();
  federation = await startTestFederation({ events: true, redisUrl: redis.url });
}, 120_000);
afterAll(async () => {
  await federation?.stop().catch(() => {});
  await redis?.destroy();
});

describe('a Redis outage', () => {
  it('does not stop writes, copies converge with no update lost once Redis is back, and a subscription stays open for the last name', async () => {
    const { productIds } = await seedOrders(
      federation.gatewayUrl,
      { products: 5, orders: 20, itemsPerOrder: 5 },
      'Outage',
    );
    const subscription = await subscribeOverHttp(
      federation.gatewayUrl,
      'subscription ($id: ID!) { productUpdated(id: $id) { name } }',
      { id: productIds[0] },
    );
    const named = (name: string) => (part: { payload?: { data?: Record<string, unknown> | null } | null }) =>
      JSON.stringify(part.payload?.data ?? null).includes(`"${name}"`);
    await subscription.until(named('Outage 0'));
    await redis.stop();
    for (let round = 0; round < ROUNDS; round++) {
      const responses = await Promise.all(
        productIds.map((id, k) =>
          graphqlRequest(
            federation.gatewayUrl,
            'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
            {
              id,
              name: `Outage ${k} v${round}`,
            },
            { as: 'operator' },
          ),
        ),
      );
      for (const response of responses) expect(response.errors).toBeUndefined();
    }
    await redis.start();
    const productDb = openProductDatabase(federation.subgraphs.product.databaseUrl);
    const orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
    try {
      const owners = await productDb.product.findMany({ where: { id: { in: productIds } } });
      expect(owners.map((p) => p.version)).toEqual(productIds.map(() => ROUNDS + 1));
      await vi.waitFor(
        async () => {
          for (const owner of owners) {
            const copies = await orderDb.orderItem.findMany({ where: { productId: owner.id } });
            expect(copies).toHaveLength(20);
            expect(
              copies.every((c) => c.productName === owner.name && c.productVersion === owner.version),
            ).toBe(true);
          }
        },
        { timeout: 30_000, interval: 200 },
      );
      // Renamed ROUNDS times while Redis was down: the last name is pushed once the events flow.
      await subscription.until(named(`Outage 0 v${ROUNDS - 1}`));
      expect(subscription.ended()).toBe(false);
    } finally {
      subscription.close();
      await Promise.all([productDb.$disconnect(), orderDb.$disconnect()]);
    }
  });
});
