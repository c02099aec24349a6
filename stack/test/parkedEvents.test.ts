import { openOrderDatabase } from '@msd/order-service/database';
import { graphqlRequest } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

let federation: TestFederation;
let orderDb: ReturnType<typeof openOrderDatabase>;
let productIds: string[];
const QUEUE = 'ProductUpdated.order';
const as =
  (role: 'operator' | 'customer') =>
  <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
    graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: role });
const operator = as('operator');

interface ParkedQueue {
  queue: string;
  event: string;
  subscriber: string;
  count: number;
  events: {
    id: string;
    eventId: string;
    aggregateId: string;
    version: number;
    reason: string;
    attempts: number;
  }[];
}
const PARKED = `query ($queue: String) { parkedEvents(queue: $queue) {
  queue event subscriber count events { id eventId aggregateId version reason attempts parkedAt } } }`;
const REPLAY = `mutation ($queue: String!, $id: ID) { replayParkedEvents(queue: $queue, id: $id) {
  queue replayed { id eventId aggregateId } } }`;

const parkedFrom = async (queue: string) => {
  const { data, errors } = await operator<{ parkedEvents: ParkedQueue[] }>(PARKED, { queue });
  expect(errors).toBeUndefined();
  return data!.parkedEvents[0]!;
};
const copiesOf = async (productId: string) =>
  new Set(
    (await orderDb.orderItem.findMany({ where: { productId }, select: { productName: true } })).map(
      (item) => item.productName,
    ),
  );
const rename = async (id: string, name: string) => {
  const { errors } = await operator(
    'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
    {
      id,
      name,
    },
  );
  expect(errors).toBeUndefined();
};

beforeAll(async () => {
  // Retries 10 ms apart at first (doubling, 8 attempts): an event is parked within about a second.
  federation = await startTestFederation({ events: true, eventRetryDelayMs: 10 });
  ({ productIds } = await seedOrders(federation.gatewayUrl, { products: 3, orders: 3, itemsPerOrder: 3 }));
  orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
}, 120_000);
afterAll(async () => {
  await orderDb?.$disconnect();
  await federation?.stop();
});

describe('parked events through the gateway (operator API on the real dead-letter queue)', () => {
  it('lists events the order service could not apply, replays one, then the rest of the queue, and the copies are repaired', async () => {
    const [first, second] = productIds as [string, string];
    // The order service's own database refuses the effect: every attempt fails, then the event is parked.
    await orderDb.$executeRawUnsafe(
      'ALTER TABLE order_items RENAME COLUMN product_name TO product_name_moved',
    );
    try {
      await rename(first, 'Parked Kettle');
      await rename(second, 'Parked Teapot');
      await vi.waitFor(async () => expect((await parkedFrom(QUEUE)).count).toBe(2), {
        timeout: 30_000, // 8 attempts with exponential backoff from 10 ms: 0.6 to 1.3 s
        interval: 100,
      });
    } finally {
      await orderDb.$executeRawUnsafe(
        'ALTER TABLE order_items RENAME COLUMN product_name_moved TO product_name',
      );
    }
    const parked = await parkedFrom(QUEUE);
    expect(parked).toMatchObject({ queue: QUEUE, event: 'ProductUpdated', subscriber: 'order', count: 2 });
    expect(parked.events.map((event) => event.aggregateId).sort()).toEqual([first, second].sort());
    for (const event of parked.events) {
      expect(event).toMatchObject({ attempts: 8, version: 2 });
      expect(event.reason).not.toBe('');
    }
    // Without a queue, every queue with parked events: only this one.
    const { data: all } = await operator<{ parkedEvents: ParkedQueue[] }>(PARKED);
    expect(all!.parkedEvents.map((queue) => [queue.queue, queue.count])).toEqual([[QUEUE, 2]]);
    expect(await copiesOf(first)).toEqual(new Set(['Product 0']));

    // Refused before anything moves: a customer, an unknown queue, an id that is not parked there.
    const byCustomer = await as('customer')(REPLAY, { queue: QUEUE });
    expect(byCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const readByCustomer = await as('customer')(PARKED);
    expect(readByCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknownQueue = await operator(REPLAY, { queue: 'ProductUpdated.nobody' });
    expect(unknownQueue.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'queue' });
    const unknownId = await operator(REPLAY, { queue: QUEUE, id: `${QUEUE}.not-parked` });
    expect(unknownId.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const otherQueue = await operator(REPLAY, { queue: 'DriverUpdated.ride', id: parked.events[0]!.id });
    expect(otherQueue.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badFirst = await operator('{ parkedEvents(first: 0) { queue } }');
    expect(badFirst.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect((await parkedFrom(QUEUE)).count).toBe(2);
    expect(await copiesOf(first)).toEqual(new Set(['Product 0']));

    // One entry: its copy follows the owner, the other stays parked.
    const one = parked.events.find((event) => event.aggregateId === first)!;
    const { data: replayedOne, errors } = await operator<{
      replayParkedEvents: { queue: string; replayed: { id: string; aggregateId: string }[] };
    }>(REPLAY, { queue: QUEUE, id: one.id });
    expect(errors).toBeUndefined();
    expect(replayedOne!.replayParkedEvents).toEqual({
      queue: QUEUE,
      replayed: [{ id: one.id, eventId: one.eventId, aggregateId: first }],
    });
    await vi.waitFor(async () => expect(await copiesOf(first)).toEqual(new Set(['Parked Kettle'])), {
      timeout: 5_000,
    });
    expect((await parkedFrom(QUEUE)).events.map((event) => event.aggregateId)).toEqual([second]);
    expect(await copiesOf(second)).toEqual(new Set(['Product 1']));

    // The rest of the queue.
    const { data: replayedAll } = await operator<{ replayParkedEvents: { replayed: unknown[] } }>(REPLAY, {
      queue: QUEUE,
    });
    expect(replayedAll!.replayParkedEvents.replayed).toHaveLength(1);
    await vi.waitFor(async () => expect(await copiesOf(second)).toEqual(new Set(['Parked Teapot'])), {
      timeout: 5_000,
    });
    expect(await parkedFrom(QUEUE)).toMatchObject({ count: 0, events: [] });
  }, 60_000);
});
