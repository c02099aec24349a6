import { randomUUID } from 'node:crypto';
import { graphqlRequest, readCounter, startTestSubgraph, type TestSubgraph } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrderDatabase, openOrderDatabase } from '../src/data/database.ts';
import { createOrderServer } from '../src/server.ts';

let order: TestSubgraph;
let db: OrderDatabase;
let metricsUrl: string;

beforeAll(async () => {
  order = await startTestSubgraph('order', (o) => createOrderServer(o));
  db = openOrderDatabase(order.databaseUrl);
  metricsUrl = order.url.replace(/\/graphql$/, '/metrics');
});
afterAll(async () => {
  await db?.$disconnect();
  await order?.stop();
});

describe("the order service's metrics", () => {
  it('count orders still PLACED and the age of the oldest, so a stalled choreography alerts', async () => {
    expect(await readCounter(metricsUrl, 'orders_placed')).toBe(0);
    expect(await readCounter(metricsUrl, 'orders_placed_oldest_age_seconds')).toBe(0);

    // Ages far apart (10 and 2 minutes): the checks hold however long the scrapes take.
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const twoMinutesAgo = new Date(Date.now() - 2 * 60_000);
    const stuck = await db.order.create({ data: { customerId: 'c-1', createdAt: tenMinutesAgo } });
    await db.order.create({ data: { customerId: 'c-2', createdAt: twoMinutesAgo } });
    await db.order.create({ data: { customerId: 'c-3', status: 'CONFIRMED', createdAt: tenMinutesAgo } });
    expect(await readCounter(metricsUrl, 'orders_placed')).toBe(2);
    const age = await readCounter(metricsUrl, 'orders_placed_oldest_age_seconds');
    expect(age).toBeGreaterThanOrEqual(600);
    expect(age).toBeLessThan(2 * 600);

    await db.order.update({ where: { id: stuck.id }, data: { status: 'REJECTED' } });
    expect(await readCounter(metricsUrl, 'orders_placed')).toBe(1);
    const younger = await readCounter(metricsUrl, 'orders_placed_oldest_age_seconds');
    expect(younger).toBeGreaterThanOrEqual(120);
    expect(younger).toBeLessThan(600);
  });

  it('time every operation by name and count its errors by code', async () => {
    const name = `Recent${randomUUID().slice(0, 8)}`;
    const ok = await graphqlRequest(
      order.url,
      `query ${name} { orders(first: 1) { id } }`,
      {},
      { asService: 'order', as: 'operator' },
    );
    expect(ok.errors).toBeUndefined();
    const bad = await graphqlRequest(
      order.url,
      `query ${name} { orders(first: 1000) { id } }`,
      {},
      { asService: 'order', as: 'operator' },
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const timed = { operation: name, type: 'query' };
    expect(await readCounter(metricsUrl, 'graphql_operation_duration_seconds_count', timed)).toBe(2);
    expect(
      await readCounter(metricsUrl, 'graphql_operation_errors_total', {
        operation: name,
        code: 'BAD_USER_INPUT',
      }),
    ).toBe(1);
  });
});
