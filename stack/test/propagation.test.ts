import { randomUUID } from 'node:crypto';
import {
  type EventConsumer,
  type EventEnvelope,
  listDeadLetters,
  queueName,
  replayDeadLetters,
  signEvent,
} from '@msd/events';
import { openOrderDatabase } from '@msd/order-service/database';
import { openProductDatabase } from '@msd/product-service/database';
import { graphqlRequest, readCounter } from '@msd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

let federation: TestFederation;
let orderDb: ReturnType<typeof openOrderDatabase>;
let productDb: ReturnType<typeof openProductDatabase>;
let productIds: string[];
let metricsUrl: string;
/** Rounds of updates to 7 products while their consumer is stopped (`PROPAGATION_ROUNDS`: more in a long run). */
const ROUNDS = Number(process.env.PROPAGATION_ROUNDS ?? 40);
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });

beforeAll(async () => {
  federation = await startTestFederation({ events: true });
  ({ productIds } = await seedOrders(federation.gatewayUrl, { products: 10, orders: 40, itemsPerOrder: 5 }));
  orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
  productDb = openProductDatabase(federation.subgraphs.product.databaseUrl);
  metricsUrl = federation.subgraphs.order.url.replace(/graphql$/, 'metrics');
}, 120_000);
afterAll(async () => {
  await orderDb?.$disconnect();
  await productDb?.$disconnect();
  await federation?.stop();
});

/** The copies of one product's name in the order service, with the version each reflects. */
const copiesOf = (productId: string) =>
  orderDb.orderItem.findMany({ where: { productId }, select: { productName: true, productVersion: true } });

const productUpdatedConsumer = () =>
  federation.subgraphs.order.server.background.find(
    (task): task is EventConsumer => (task as EventConsumer).queue === queueName('ProductUpdated', 'order'),
  ) as EventConsumer;

const consumed = (outcome: string) =>
  readCounter(metricsUrl, 'events_consumed_total', { queue: 'ProductUpdated.order', outcome });

/** A ProductUpdated as the product service's relay sends it: signed with the product service's key. */
function productUpdated(productId: string, version: number, name: string, id = randomUUID()) {
  return signedByProduct({
    id,
    type: 'ProductUpdated',
    aggregateId: productId,
    version,
    occurredAt: new Date().toISOString(),
    payload: { productId, name, description: null, price: 1 },
  });
}

function signedByProduct<T extends object>(event: T): T & { signature: string } {
  return { ...event, signature: signEvent(event as unknown as EventEnvelope, federation.bus!.keys.product!) };
}

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks of sorted values. */
function percentile(sorted: number[], p: number): number {
  const position = p * (sorted.length - 1);
  const lower = sorted[Math.floor(position)]!;
  const upper = sorted[Math.ceil(position)]!;
  return lower + (upper - lower) * (position - Math.floor(position));
}

describe('event-driven propagation of product names to order copies', () => {
  // How fast copies follow is measured by the trade-offs run (`npm run bench`), not asserted here.
  it('shows a renamed product in every order copy, equal to the owner', async () => {
    const productId = productIds[0]!;
    expect(await copiesOf(productId)).toHaveLength(20);
    await query('mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Renamed Kettle" }) { id } }', {
      id: productId,
    });
    await vi.waitFor(
      async () =>
        expect(new Set((await copiesOf(productId)).map((c) => c.productName))).toEqual(
          new Set(['Renamed Kettle']),
        ),
      { timeout: 15_000, interval: 50 },
    );
    // Through the gateway, the owner's name (from the entity cache, invalidated by the same event) agrees too.
    await vi.waitFor(
      async () => {
        const { data } = await query<{
          orders: { items: { productName: string; product: { id: string; name: string } }[] }[];
        }>('{ orders(first: 100) { items { productName product { id name } } } }');
        const items = data!.orders.flatMap((o) => o.items).filter((item) => item.product.id === productId);
        expect(items).toHaveLength(20);
        for (const item of items) expect(item.productName).toBe(item.product.name);
      },
      { timeout: 15_000 },
    );
  });

  it('applies an event once and only over older versions: duplicates and reordering change nothing', async () => {
    const productId = productIds[1]!;
    const queue = new Queue(queueName('ProductUpdated', 'order'), federation.bus!);
    const v3 = productUpdated(productId, 3, 'Version three');
    const deliver = async (event: ReturnType<typeof productUpdated>, outcome: string) => {
      const before = await consumed(outcome);
      await queue.add('ProductUpdated', event, { jobId: randomUUID() });
      await vi.waitFor(async () => expect(await consumed(outcome)).toBe(before + 1), { timeout: 5_000 });
    };
    await deliver(v3, 'applied');
    await deliver(productUpdated(productId, 2, 'Version two'), 'stale');
    await deliver(v3, 'duplicate');
    await queue.close();
    const copies = await copiesOf(productId);
    expect(copies.every((c) => c.productName === 'Version three' && c.productVersion === 3)).toBe(true);
    const inbox = await orderDb.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM processed_events WHERE event_id = ${v3.id}::uuid`;
    expect(Number(inbox[0]!.n)).toBe(1);
  });

  it('converges after a consumer was stopped during a burst of product updates: no update lost', async () => {
    const consumer = productUpdatedConsumer();
    const targets = productIds.slice(2, 9);
    // Other tests rename some of these products too: each owner counts from its version now.
    const versionsBefore = new Map(
      (await productDb.product.findMany({ where: { id: { in: targets } } })).map((p) => [p.id, p.version]),
    );
    await consumer.stop();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          targets.map((id, k) =>
            graphqlRequest(
              federation.subgraphs.product.url,
              'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
              { id, name: `P${k} round ${round}` },
              { asService: 'product' },
            ),
          ),
        );
      }
      expect(await consumer.depth()).toBeGreaterThan(0);
    } finally {
      await consumer.start();
    }
    const owners = await productDb.product.findMany({ where: { id: { in: targets } } });
    expect(owners.map((p) => p.version - versionsBefore.get(p.id)!)).toEqual(targets.map(() => ROUNDS));
    await vi.waitFor(
      async () => {
        for (const owner of owners) {
          const copies = await copiesOf(owner.id);
          expect(
            copies.every((c) => c.productName === owner.name && c.productVersion === owner.version),
          ).toBe(true);
        }
      },
      { timeout: 90_000, interval: 100 },
    );
  }, 180_000);

  it('parks a malformed event, keeps processing the next ones, and replays a parked event once the cause is fixed', async () => {
    // Its events carry versions far ahead of the owner's: a product of its own, whose copies no other test reads.
    const productId = (
      await seedOrders(federation.gatewayUrl, { products: 1, orders: 1, itemsPerOrder: 1 }, 'Parked')
    ).productIds[0]!;
    const queue = new Queue(queueName('ProductUpdated', 'order'), federation.bus!);
    const malformed = signedByProduct({
      ...productUpdated(productId, 500, 'x'),
      payload: { productId, description: null },
    });
    await queue.add('ProductUpdated', malformed, { jobId: randomUUID() });
    await queue.add('ProductUpdated', productUpdated(productId, 501, 'After the bad one'), {
      jobId: randomUUID(),
    });
    await vi.waitFor(
      async () => expect((await copiesOf(productId))[0]?.productName).toBe('After the bad one'),
      {
        timeout: 5_000,
      },
    );
    const parked = (await listDeadLetters(federation.bus!, 'ProductUpdated.order')).filter(
      (entry) => entry.event.id === malformed.id,
    );
    expect(parked).toEqual([expect.objectContaining({ queue: 'ProductUpdated.order', attempts: 1 })]);
    expect(parked[0]!.error).toMatch(/Malformed ProductUpdated payload/);

    // A failure of the consumer's own database: retried with backoff, then parked; fixed, then replayed.
    await orderDb.$executeRawUnsafe(
      'ALTER TABLE order_items RENAME COLUMN product_name TO product_name_moved',
    );
    const failing = productUpdated(productId, 502, 'Applied after replay');
    try {
      await queue.add('ProductUpdated', failing, {
        jobId: randomUUID(),
        attempts: 3,
        backoff: { type: 'fixed', delay: 20 },
      });
      await vi.waitFor(
        async () =>
          expect(
            (await listDeadLetters(federation.bus!, 'ProductUpdated.order')).map((d) => d.event.id),
          ).toContain(failing.id),
        { timeout: 10_000 },
      );
      expect(
        await readCounter(metricsUrl, 'event_retries_total', { queue: 'ProductUpdated.order' }),
      ).toBeGreaterThanOrEqual(2);
    } finally {
      // The column is the whole file's: put back whatever happened above.
      await orderDb.$executeRawUnsafe(
        'ALTER TABLE order_items RENAME COLUMN product_name_moved TO product_name',
      );
    }
    const replayed = await replayDeadLetters(federation.bus!, failing.id);
    expect(replayed).toHaveLength(1);
    await vi.waitFor(
      async () => expect((await copiesOf(productId))[0]?.productName).toBe('Applied after replay'),
      {
        timeout: 5_000,
      },
    );
    await queue.close();
  });

  it('repairs drift injected by hand, counts the repair, and reports it in replicationStatus', async () => {
    const productId = productIds[9]!;
    // Its own parked event, whatever earlier tests left in the dead-letter queue.
    const parkedBefore = (await listDeadLetters(federation.bus!, 'ProductUpdated.order')).length;
    const queue = new Queue(queueName('ProductUpdated', 'order'), federation.bus!);
    await queue.add(
      'ProductUpdated',
      signedByProduct({ ...productUpdated(productId, 900, 'x'), payload: { productId } }),
    );
    await queue.close();
    await vi.waitFor(
      async () =>
        expect(await listDeadLetters(federation.bus!, 'ProductUpdated.order')).toHaveLength(parkedBefore + 1),
      { timeout: 5_000 },
    );
    // Copies other tests moved ahead of their owner with injected events are set back first.
    await query('mutation { reconcileProductNames { repaired } }');
    const drifted = await orderDb.orderItem.updateMany({
      where: { productId },
      data: { productName: 'Drifted by hand' },
    });
    const { data, errors } = await query<{ reconcileProductNames: { checked: number; repaired: number } }>(
      'mutation { reconcileProductNames { checked repaired finishedAt } }',
    );
    expect(errors).toBeUndefined();
    // Other tests' copies may differ from their owners too (events sent by hand): at least these.
    const { repaired } = data!.reconcileProductNames;
    expect(data!.reconcileProductNames.checked).toBeGreaterThanOrEqual(10);
    expect(repaired).toBeGreaterThanOrEqual(drifted.count);
    const owner = await productDb.product.findUniqueOrThrow({ where: { id: productId } });
    expect((await copiesOf(productId)).every((c) => c.productName === owner.name)).toBe(true);
    expect(
      await readCounter(metricsUrl, 'copy_drift_repaired_total', { copy: 'order.productName' }),
    ).toBeGreaterThanOrEqual(drifted.count);

    const status = await query<{ replicationStatus: Record<string, Record<string, unknown> | null> }>(
      `{ replicationStatus {
          productName { copy eventsApplied lagP50Ms lagP99Ms queueDepth parkedEvents lastReconciliation { repaired } }
          driverName { copy eventsApplied }
      } }`,
    );
    expect(status.errors).toBeUndefined();
    const productName = status.data!.replicationStatus.productName!;
    expect(productName).toMatchObject({
      copy: 'order.productName',
      queueDepth: 0,
      parkedEvents: parkedBefore + 1,
    });
    // The figures are the inbox's: every applied event with its commit-to-apply lag.
    const lags = (
      await orderDb.$queryRaw<{ lag_ms: number }[]>`
        SELECT lag_ms FROM processed_events WHERE consumer = 'ProductUpdated.order' ORDER BY lag_ms`
    ).map((row) => row.lag_ms);
    expect(lags.length).toBeGreaterThan(0);
    expect(productName.eventsApplied).toBe(lags.length);
    expect(productName.lagP50Ms).toBeCloseTo(percentile(lags, 0.5), 6);
    expect(productName.lagP99Ms).toBeCloseTo(percentile(lags, 0.99), 6);
    expect(productName.lastReconciliation).toEqual({ repaired });
    expect(status.data!.replicationStatus.driverName).toMatchObject({ copy: 'ride.driverName' });
  });
});

describe('events and copies an attacker with access to Redis cannot bend', () => {
  it('parks and counts events not signed with the product service key, and applies none of them', async () => {
    const productId = productIds[3]!;
    const queueLabel = { queue: 'ProductUpdated.order' };
    const before = await copiesOf(productId);
    const unverifiedBefore = await readCounter(metricsUrl, 'events_unverified_total', queueLabel);
    const { signature: _, ...unsigned } = productUpdated(productId, 2_147_483_647, 'Forged, unsigned');
    const wrongKey = productUpdated(productId, 2_147_483_647, 'Forged, wrong key');
    wrongKey.signature = signEvent(
      wrongKey as unknown as EventEnvelope,
      'a key the forger made up, 32 chars+',
    );
    const otherProducer = productUpdated(productId, 2_147_483_647, "Forged with the driver's key");
    otherProducer.signature = signEvent(
      otherProducer as unknown as EventEnvelope,
      federation.bus!.keys.driver!,
    );
    const forged = [unsigned, wrongKey, otherProducer];
    const queue = new Queue(queueName('ProductUpdated', 'order'), federation.bus!);
    try {
      for (const event of forged) await queue.add('ProductUpdated', event, { jobId: event.id });
    } finally {
      await queue.close();
    }
    await vi.waitFor(
      async () => {
        const parked = await listDeadLetters(federation.bus!, 'ProductUpdated.order');
        expect(parked.filter((entry) => forged.some((event) => event.id === entry.event.id))).toHaveLength(3);
      },
      { timeout: 10_000 },
    );
    const parked = (await listDeadLetters(federation.bus!, 'ProductUpdated.order')).filter((entry) =>
      forged.some((event) => event.id === entry.event.id),
    );
    expect(parked.map((entry) => entry.error).sort()).toEqual([
      'Unverified event: it carries no signature',
      "Unverified event: the signature is not product's",
      "Unverified event: the signature is not product's",
    ]);
    expect(await readCounter(metricsUrl, 'events_unverified_total', queueLabel)).toBe(unverifiedBefore + 3);
    expect(await copiesOf(productId)).toEqual(before);
    const inbox = await orderDb.$queryRawUnsafe<{ n: bigint }[]>(
      'SELECT count(*) AS n FROM processed_events WHERE event_id = ANY($1::uuid[])',
      forged.map((event) => event.id),
    );
    expect(Number(inbox[0]!.n)).toBe(0);
  });

  it('sets a copy ahead of its owner (version 2147483647) back on reconciliation, and later events apply again', async () => {
    const productId = productIds[4]!;
    // What a forged event would have left, had it been applied: the rows and the newest value recorded.
    await orderDb.$executeRaw`UPDATE order_items SET product_name = 'Frozen', product_version = 2147483647 WHERE product_id = ${productId}::uuid`;
    await orderDb.$executeRaw`
      INSERT INTO copy_sources (copy, owner_id, value, version) VALUES ('order.productName', ${productId}::uuid, 'Frozen', 2147483647)
      ON CONFLICT (copy, owner_id) DO UPDATE SET value = 'Frozen', version = 2147483647`;
    const frozen = (await copiesOf(productId)).length;
    const { data, errors } = await query<{ reconcileProductNames: { repaired: number } }>(
      'mutation { reconcileProductNames { repaired } }',
    );
    expect(errors).toBeUndefined();
    expect(data!.reconcileProductNames.repaired).toBeGreaterThanOrEqual(frozen);
    const owner = await productDb.product.findUniqueOrThrow({ where: { id: productId } });
    expect(await copiesOf(productId)).toEqual(
      Array.from({ length: frozen }, () => ({ productName: owner.name, productVersion: owner.version })),
    );
    await query('mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Thawed" }) { id } }', {
      id: productId,
    });
    await vi.waitFor(
      async () =>
        expect(new Set((await copiesOf(productId)).map((c) => c.productName))).toEqual(new Set(['Thawed'])),
      { timeout: 5_000 },
    );
  });
});

describe('event-driven propagation of driver names to ride copies', () => {
  it('renames the driver on every ride, and the ride answers it without the driver service', async () => {
    const { data: created } = await query<{ createDriver: { id: string } }>(
      'mutation { createDriver(input: { name: "Ana Costa", car: { make: "Kia", model: "Niro", color: "red", plate: "PROP-1" } }) { id } }',
    );
    const driverId = created!.createDriver.id;
    for (const pickup of ['Airport', 'Station']) {
      await query(
        'mutation ($driverId: ID!, $pickup: String!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: $pickup, dropoff: "Centre" }) { id } }',
        { driverId, pickup },
      );
    }
    await query('mutation ($id: ID!) { updateDriver(id: $id, input: { name: "Ana Costa-Berg" }) { id } }', {
      id: driverId,
    });
    await vi.waitFor(
      async () => {
        const { data } = await query<{ rides: { driverName: string; driverId: string }[] }>(
          '{ rides { driverId driverName } }',
        );
        const names = data!.rides.filter((r) => r.driverId === driverId).map((r) => r.driverName);
        expect(names).toEqual(['Ana Costa-Berg', 'Ana Costa-Berg']);
      },
      { timeout: 15_000 },
    );
  });
});
