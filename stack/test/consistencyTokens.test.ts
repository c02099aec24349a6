import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { type EventConsumer, queueName } from '@msd/events';
import { createGatewayServer } from '@msd/gateway';
import { repoRoot } from '@msd/registry';
import { defaultSubjects, developmentToken } from '@msd/service-kit';
import { graphqlRequest, readCounter } from '@msd/testing';
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

/** A connection to a service that is down: dropped at once. */
const refuse = (socket: Socket) => socket.destroy();

const KEY = 'consistency token key shared by both replicas of this test';
const ordersQuery = '{ orders(first: 100) { items { productName product { id name } } } }';
const ridesQuery = '{ rides(first: 100) { driverId driverName driver { id name } } }';

interface Answer<T> {
  status: number;
  token: string | null;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: { consistencyToken?: string; consistency?: Record<string, Record<string, number>> };
}
type Orders = {
  orders: { items: { productName: string; product: { id: string; name: string } | null }[] }[];
};
type Rides = {
  rides: { driverId: string; driverName: string; driver: { id: string; name: string } | null }[];
};

let federation: TestFederation;
let productIds: string[];
let driverIds: string[];
let operatorToken: string;

/** A client request through a gateway, with the token it holds; returns the token the answer carries. */
async function send<T>(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${operatorToken}`,
      ...(token ? { 'x-consistency-token': token } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<Answer<T>, 'status' | 'token'>;
  return {
    status: response.status,
    token: response.headers.get('x-consistency-token'),
    ...body,
  } as Answer<T>;
}

const renameProduct = (id: string, name: string, token?: string, url = federation.gatewayUrl) =>
  send<{ updateProduct: { id: string } }>(
    url,
    'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
    { id, name },
    token,
  );
const renameDriver = (id: string, name: string, token?: string) =>
  send<{ updateDriver: { id: string } }>(
    federation.gatewayUrl,
    'mutation ($id: ID!, $name: String!) { updateDriver(id: $id, input: { name: $name }) { id } }',
    { id, name },
    token,
  );

const consumerOf = (service: 'order' | 'ride', event: 'ProductUpdated' | 'DriverUpdated') =>
  federation.subgraphs[service].server.background.find(
    (task): task is EventConsumer => (task as EventConsumer).queue === queueName(event, service),
  ) as EventConsumer;

/** Items (or rides) of the renamed owner whose copied name, or cached owner name, is not the new one. */
const staleItems = (data: Orders | null | undefined, productId: string, name: string) => {
  const items = (data?.orders ?? []).flatMap((o) => o.items).filter((i) => i.product?.id === productId);
  return {
    copies: items.filter((i) => i.productName !== name).length,
    cached: items.filter((i) => i.product?.name !== name).length,
    read: items.length,
  };
};
const staleRides = (data: Rides | null | undefined, driverId: string, name: string) => {
  const rides = (data?.rides ?? []).filter((r) => r.driverId === driverId);
  return {
    copies: rides.filter((r) => r.driverName !== name).length,
    cached: rides.filter((r) => r.driver?.name !== name).length,
    read: rides.length,
  };
};

beforeAll(async () => {
  federation = await startTestFederation({
    events: true,
    coordinator: true,
    gateway: { consistencyTokens: tokenConfig() },
    // Generous budgets: this file asserts what an answer says, not how fast it comes on a loaded machine.
    consistencyReads: { waitMs: 300, ownerTimeoutMs: 20_000 },
    resilience: Object.fromEntries(
      ['product', 'order', 'inventory', 'shipping', 'driver', 'ride'].map((name) => [
        name,
        { timeoutMs: 20_000 },
      ]),
    ),
  });
  operatorToken = await developmentToken('operator', defaultSubjects.operator);
  ({ productIds } = await seedOrders(federation.gatewayUrl, { products: 4, orders: 8, itemsPerOrder: 2 }));
  driverIds = [];
  for (let i = 0; i < 2; i++) {
    const { data } = await graphqlRequest<{ createDriver: { id: string } }>(
      federation.gatewayUrl,
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      {
        input: {
          name: `Driver ${i}`,
          car: { make: 'Volvo', model: 'V70', color: 'red', plate: `TK-${i}-${Date.now() % 100000}` },
        },
      },
      { as: 'operator' },
    );
    driverIds.push(data!.createDriver.id);
    for (let r = 0; r < 2; r++)
      await graphqlRequest(
        federation.gatewayUrl,
        'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
        { driverId: data!.createDriver.id },
        { as: 'operator' },
      );
  }
}, 120_000);
afterAll(async () => {
  await federation?.stop();
});

/** The aggregates a token names (a test may look inside: the client treats it as opaque). */
const namedIn = (token: string) =>
  (
    JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as {
      e: [key: string, version: number, writtenAt: number][];
    }
  ).e.map(([key]) => key);

/** The mutations a client may send: the supergraph's Mutation fields that are not `@inaccessible`. */
function clientMutations(): string[] {
  const supergraph = parse(readFileSync(path.join(repoRoot, 'supergraph/supergraph.graphql'), 'utf8'));
  return supergraph.definitions.flatMap((definition) =>
    definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === 'Mutation'
      ? (definition.fields ?? [])
          .filter((field) => !field.directives?.some((d) => d.name.value === 'inaccessible'))
          .map((field) => field.name.value)
      : [],
  );
}

/**
 * Mutations that write no aggregate of the caller's: their answer carries back the token it sent,
 * adding nothing. Each reason says why there is nothing a later read could miss.
 */
const writesNothingToName: Record<string, string> = {
  reconcileProductNames:
    'rewrites copies to what their owner already holds, before it answers: no read can be behind it',
  reconcileDriverNames:
    'rewrites copies to what their owner already holds, before it answers: no read can be behind it',
  replayParkedEvents:
    "re-delivers events of earlier writes, which their writers' tokens name; it writes no aggregate",
};

function tokenConfig(overrides: Partial<{ key: string; ttlMs: number; maxEntries: number }> = {}) {
  return { key: KEY, ttlMs: 60_000, maxEntries: 32, ...overrides };
}

describe('consistency tokens through the gateway', () => {
  it('gives every write a token (header and extension) and merges the token a request sends back', async () => {
    const first = await renameProduct(productIds[0]!, 'Token kettle');
    expect(first.errors).toBeUndefined();
    expect(first.token).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(first.extensions?.consistencyToken).toBe(first.token);
    const second = await renameDriver(driverIds[0]!, 'Token driver', first.token!);
    expect(second.token).not.toBe(first.token);
    // The merged token names both writes: a read with it honours the product and the driver.
    const read = await send<Orders>(federation.gatewayUrl, ordersQuery, {}, second.token!);
    expect(staleItems(read.data, productIds[0]!, 'Token kettle').copies).toBe(0);
    const rides = await send<Rides>(federation.gatewayUrl, ridesQuery, {}, second.token!);
    expect(staleRides(rides.data, driverIds[0]!, 'Token driver').copies).toBe(0);
    expect(rides.token).toBeTruthy();
  });

  it('answers every mutation of the supergraph that writes with a token naming what it wrote', async () => {
    const named = new Map<string, string[]>();
    /** A mutation through the gateway as a client sends it: its answer must carry the token. */
    const write = async <T>(field: string, query: string, variables: Record<string, unknown>) => {
      const answer = await send<Record<string, T>>(federation.gatewayUrl, query, variables);
      expect(answer.errors, field).toBeUndefined();
      expect(answer.token, field).toMatch(/^[\w-]+\.[\w-]+$/);
      expect(answer.extensions?.consistencyToken, field).toBe(answer.token);
      named.set(field, namedIn(answer.token!));
      return answer.data![field] as T;
    };
    const productId = productIds[0]!;
    const driverId = driverIds[1]!;

    const created = await write<{ id: string }>(
      'createProduct',
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `WALK-${Date.now()}`, name: 'Walked', price: 2 } },
    );
    expect(named.get('createProduct')).toEqual([`product:${created.id}`]);
    await write(
      'updateProduct',
      'mutation ($id: ID!) { updateProduct(id: $id, input: { price: 3 }) { id } }',
      {
        id: productId,
      },
    );
    expect(named.get('updateProduct')).toEqual([`product:${productId}`]);
    for (const consistency of ['EVENTUAL', 'STRONG']) {
      await write(
        'renameProduct',
        'mutation ($id: ID!, $c: Consistency!) { renameProduct(id: $id, name: "Walked rename", consistency: $c) { id } }',
        { id: productId, c: consistency },
      );
      expect(named.get('renameProduct'), consistency).toEqual([`product:${productId}`]);
    }
    // Inventory opens the new product's stock row on ProductCreated.
    await vi.waitFor(
      async () => {
        await write('restock', 'mutation ($id: ID!) { restock(productId: $id, quantity: 5) { id } }', {
          id: created.id,
        });
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(named.get('restock')).toEqual([`stock:${created.id}`]);
    const order = await write<{ id: string }>(
      'placeOrder',
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: 'customer-walk', items: [{ productId: created.id, quantity: 1 }] } },
    );
    expect(named.get('placeOrder')).toEqual([`order:${order.id}`]);

    const driver = await write<{ id: string }>(
      'createDriver',
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      {
        input: {
          name: 'Walker',
          car: { make: 'Saab', model: '900', color: 'blue', plate: `WK-${Date.now() % 1e6}` },
        },
      },
    );
    expect(named.get('createDriver')).toEqual([`driver:${driver.id}`]);
    await write(
      'updateDriver',
      'mutation ($id: ID!) { updateDriver(id: $id, input: { name: "Walker too" }) { id } }',
      {
        id: driverId,
      },
    );
    expect(named.get('updateDriver')).toEqual([`driver:${driverId}`]);
    const ride = await write<{ id: string }>(
      'requestRide',
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "rider-walk", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId },
    );
    expect(named.get('requestRide')).toEqual([`ride:${ride.id}`]);
    await write('completeRide', 'mutation ($id: ID!) { completeRide(id: $id) { id } }', { id: ride.id });
    expect(named.get('completeRide')).toEqual([`ride:${ride.id}`]);
    // The driver service learns of the finished ride from RideCompleted.
    await vi.waitFor(
      () =>
        write(
          'rateDriver',
          'mutation ($id: ID!, $rideId: ID) { rateDriver(id: $id, stars: 5, rideId: $rideId) { id } }',
          { id: driverId, rideId: ride.id },
        ),
      { timeout: 20_000, interval: 100 },
    );
    expect(named.get('rateDriver')).toEqual([`driver:${driverId}`]);

    // The rest write nothing of the caller's: a token sent with them comes back, nothing added.
    const held = (await renameDriver(driverId, 'Walker held')).token!;
    const operations: Record<string, [string, Record<string, unknown>]> = {
      reconcileProductNames: ['mutation { reconcileProductNames { checked } }', {}],
      reconcileDriverNames: ['mutation { reconcileDriverNames { checked } }', {}],
      replayParkedEvents: [
        'mutation ($queue: String!) { replayParkedEvents(queue: $queue) { queue } }',
        { queue: 'ProductUpdated.order' },
      ],
    };
    for (const [field, [query, variables]] of Object.entries(operations)) {
      const answer = await send(federation.gatewayUrl, query, variables, held);
      expect(answer.errors, field).toBeUndefined();
      expect(namedIn(answer.token!), field).toEqual(namedIn(held));
      named.set(field, []);
    }

    // Every mutation a client may send is covered above: a new one fails here until it is.
    expect([...named.keys()].sort()).toEqual(clientMutations().sort());
    expect(Object.keys(writesNothingToName).sort()).toEqual(Object.keys(operations).sort());
    for (const [field, keys] of named)
      expect(keys.length > 0 || field in writesNothingToName, `${field} names what it wrote`).toBe(true);
  });

  it("honours a STRONG rename's token as an EVENTUAL one's: copies and cached entity at its version", async () => {
    const productId = productIds[2]!;
    await send(federation.gatewayUrl, ordersQuery, {}); // the entity cache holds the product
    const renamed = await send<{ renameProduct: { id: string } }>(
      federation.gatewayUrl,
      'mutation ($id: ID!) { renameProduct(id: $id, name: "Strong token", consistency: STRONG) { id } }',
      { id: productId },
    );
    expect(renamed.errors).toBeUndefined();
    const read = await send<Orders>(federation.gatewayUrl, ordersQuery, {}, renamed.token!);
    expect(read.errors).toBeUndefined();
    expect(staleItems(read.data, productId, 'Strong token')).toMatchObject({ copies: 0, cached: 0 });
    // The coordinator committed every copy before it answered: fresh, no wait.
    expect(read.extensions?.consistency?.order).toMatchObject({ fresh: expect.any(Number) });
    expect(read.extensions?.consistency?.order?.owner).toBeUndefined();
  });

  it('reads 0 stale copies and 0 stale cached entities right after its own renames; a client without a token may', async () => {
    const withToken = { copies: 0, cached: 0, read: 0 };
    const without = { copies: 0, cached: 0, read: 0 };
    const add = (into: typeof withToken, s: typeof withToken) => {
      into.copies += s.copies;
      into.cached += s.cached;
      into.read += s.read;
    };
    for (let round = 0; round < 12; round++) {
      const productId = productIds[round % productIds.length]!;
      const driverId = driverIds[round % driverIds.length]!;
      // Warm the entity cache, so that a stale cached entity is possible.
      await send(federation.gatewayUrl, ordersQuery, {});
      await send(federation.gatewayUrl, ridesQuery, {});
      const product = `Round ${round} product`;
      const driver = `Round ${round} driver`;
      const p = await renameProduct(productId, product);
      add(
        withToken,
        staleItems(
          (await send<Orders>(federation.gatewayUrl, ordersQuery, {}, p.token!)).data,
          productId,
          product,
        ),
      );
      const d = await renameDriver(driverId, driver);
      add(
        withToken,
        staleRides(
          (await send<Rides>(federation.gatewayUrl, ridesQuery, {}, d.token!)).data,
          driverId,
          driver,
        ),
      );
      // The same writes and reads without sending the token back: eventual.
      const later = `Round ${round} product, untokened`;
      await renameProduct(productId, later);
      add(
        without,
        staleItems((await send<Orders>(federation.gatewayUrl, ordersQuery, {})).data, productId, later),
      );
      const laterDriver = `Round ${round} driver, untokened`;
      await renameDriver(driverId, laterDriver);
      add(
        without,
        staleRides((await send<Rides>(federation.gatewayUrl, ridesQuery, {})).data, driverId, laterDriver),
      );
    }
    console.info('read your writes: with a token', withToken, 'without', without);
    expect(withToken.read).toBeGreaterThanOrEqual(12 * 3);
    expect(withToken.copies).toBe(0);
    expect(withToken.cached).toBe(0);
  });

  it('falls back to the owner while the order and ride consumers are paused, and says stale when the owner is down too', async () => {
    const consumer = consumerOf('order', 'ProductUpdated');
    const rideConsumer = consumerOf('ride', 'DriverUpdated');
    const productId = productIds[1]!;
    await consumer.stop();
    await rideConsumer.stop();
    const product = federation.subgraphs.product;
    try {
      const renamed = await renameDriver(driverIds[0]!, 'Paused driver rename');
      const rides = await send<Rides>(federation.gatewayUrl, ridesQuery, {}, renamed.token!);
      expect(rides.errors).toBeUndefined();
      expect(staleRides(rides.data, driverIds[0]!, 'Paused driver rename')).toMatchObject({
        copies: 0,
        cached: 0,
      });
      expect(rides.extensions?.consistency?.ride?.owner).toBeGreaterThanOrEqual(1);

      const { token } = await renameProduct(productId, 'Paused rename');
      const fresh = await send<Orders>(federation.gatewayUrl, ordersQuery, {}, token!);
      expect(fresh.errors).toBeUndefined();
      expect(staleItems(fresh.data, productId, 'Paused rename').copies).toBe(0);
      expect(fresh.extensions?.consistency?.order?.owner).toBeGreaterThanOrEqual(1);

      // The owner goes down too: the copy comes back, with an error at its path saying it may be stale.
      // Its HTTP server drops every connection, new and open. It keeps its port: closed, the port could
      // be taken by another test file's server before this one listens on it again.
      product.server.http.prependListener('connection', refuse);
      product.server.http.closeAllConnections();
      const stale = await send<Orders>(
        federation.gatewayUrl,
        '{ orders(first: 100) { items { productName product { id } } } }',
        {},
        token!,
      );
      expect(stale.status).toBe(200);
      expect(stale.extensions?.consistency?.order?.stale).toBeGreaterThanOrEqual(1);
      const staleErrors = (stale.errors ?? []).filter((e) => e.extensions?.code === 'STALE_READ');
      expect(staleErrors.length).toBeGreaterThanOrEqual(1);
      expect(staleErrors[0]!.path).toEqual([
        'orders',
        expect.any(Number),
        'items',
        expect.any(Number),
        'productName',
      ]);
      expect(
        await readCounter(
          metricsOf(federation.subgraphs.order.url.replace('/graphql', '')),
          'consistency_reads_total',
          {
            service: 'order',
            outcome: 'stale',
          },
        ),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      product.server.http.off('connection', refuse);
      await consumer.start();
      await rideConsumer.start();
    }
  });

  it('shows a customer the reservation of the order it just placed, or says the stock read is stale', async () => {
    // A product of its own: no other order touches its stock.
    const created = await send<{ createProduct: { id: string } }>(
      federation.gatewayUrl,
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `STOCK-${Date.now()}`, name: 'Stocked', price: 1 } },
    );
    const productId = created.data!.createProduct.id;
    // Inventory opens its stock row on ProductCreated; restock once it exists.
    await vi.waitFor(
      async () => {
        const restocked = await send(
          federation.gatewayUrl,
          'mutation ($id: ID!) { restock(productId: $id, quantity: 10) { id } }',
          { id: productId },
        );
        expect(restocked.errors).toBeUndefined();
      },
      { timeout: 20_000, interval: 100 },
    );
    const stockOf = (token: string) =>
      send<{ product: { stock: number | null } }>(
        federation.gatewayUrl,
        'query ($id: ID!) { product(id: $id) { stock } }',
        { id: productId },
        token,
      );
    const place = () =>
      send<{ placeOrder: { id: string } }>(
        federation.gatewayUrl,
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        { input: { customerId: 'customer-stock', items: [{ productId, quantity: 2 }] } },
      );
    const placed = await place();
    expect(placed.token).toBeTruthy();
    const read = await stockOf(placed.token!);
    // The reservation, or (the consumer slower than the wait on a loaded machine) a stale read said so.
    if (read.errors) expect(read.errors.map((e) => e.extensions?.code)).toEqual(['STALE_READ']);
    else expect(read.data?.product.stock).toBe(8);
    expect(read.extensions?.consistency?.inventory).toBeDefined();
    // Settled: the decision is recorded.
    await vi.waitFor(async () => expect((await stockOf(placed.token!)).data?.product.stock).toBe(8), {
      timeout: 20_000,
    });

    // The inventory's OrderCreated consumer paused: no owner to ask, so the read says it is stale.
    const consumer = federation.subgraphs.inventory.server.background.find(
      (task): task is EventConsumer =>
        (task as EventConsumer).queue === queueName('OrderCreated', 'inventory'),
    ) as EventConsumer;
    await consumer.stop();
    try {
      const second = await place();
      const stale = await stockOf(second.token!);
      expect(stale.status).toBe(200);
      expect(stale.errors).toEqual([
        expect.objectContaining({
          path: ['product', 'stock'],
          extensions: expect.objectContaining({ code: 'STALE_READ' }),
        }),
      ]);
      expect(stale.extensions?.consistency?.inventory?.stale).toBe(1);
      expect(stale.data?.product.stock).toBe(8);
    } finally {
      await consumer.start();
    }
  });

  it('ignores a forged, malformed, expired or oversized token: same answer, counted', async () => {
    const metrics = metricsOf(federation.gatewayUrl.replace(/\/(graphql)?$/, ''));
    const count = (reason: string) => readCounter(metrics, 'consistency_tokens_rejected_total', { reason });
    const { token } = await renameProduct(productIds[2]!, 'Forgery target');
    const answeredAt = Date.now(); // the token's entry was written before this
    const [payload, signature] = token!.split('.') as [string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases = {
      forged: `${payload}.${flipped}`,
      malformed: 'not-a-token',
      oversized: 'x'.repeat(10_000),
    } as const;
    for (const [reason, bad] of Object.entries(cases)) {
      const before = await count(reason);
      const answer = await send<Orders>(federation.gatewayUrl, ordersQuery, {}, bad);
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.token).toBeNull();
      expect(answer.extensions?.consistency).toBeUndefined();
      expect(await count(reason)).toBe(before + 1);
    }
    // Expired: a replica whose tokens live 1 ms reads this one's token as expired.
    const short = await extraGateway(tokenConfig({ ttlMs: 1 }));
    try {
      const before = await count('expired');
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(answeredAt + 1)); // older than its 1 ms life
      const answer = await send<Orders>(short.url, ordersQuery, {}, token!);
      expect(answer.errors).toBeUndefined();
      expect(answer.token).toBeNull();
      expect(await count('expired')).toBe(before + 1);
    } finally {
      await short.stop();
    }
  });

  it('honours a token issued by another replica with the same key', async () => {
    const replica = await extraGateway(tokenConfig());
    const consumer = consumerOf('order', 'ProductUpdated');
    await consumer.stop();
    try {
      const { token } = await renameProduct(productIds[3]!, 'Written through replica one');
      const read = await send<Orders>(replica.url, ordersQuery, {}, token!);
      expect(read.errors).toBeUndefined();
      expect(staleItems(read.data, productIds[3]!, 'Written through replica one')).toMatchObject({
        copies: 0,
        cached: 0,
      });
      expect(read.token).toBeTruthy();
    } finally {
      await consumer.start();
      await replica.stop();
    }
  });
});

/** A second gateway replica over the same subgraphs, event bus and cache. */
async function extraGateway(consistencyTokens: ReturnType<typeof tokenConfig>) {
  const gateway = createGatewayServer({
    subgraphUrls: {
      ...Object.fromEntries(Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url])),
      coordinator: 'http://127.0.0.1:9/graphql',
    },
    events: federation.bus!,
    entityCache: (await import('@msd/gateway')).entityCacheConfig({}),
    rateLimit: false,
    resilience: Object.fromEntries(
      Object.keys(federation.subgraphs).map((name) => [name, { timeoutMs: 20_000 }]),
    ),
    consistencyTokens,
  });
  const { url } = await gateway.listen(0);
  return { url, stop: () => gateway.stop() };
}

function metricsOf(base: string) {
  return `${base.replace(/\/$/, '')}/metrics`;
}
