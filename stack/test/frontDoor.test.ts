import { openDriverDatabase } from '@msd/driver-service/database';
import { openOrderDatabase } from '@msd/order-service/database';
import { openProductDatabase } from '@msd/product-service/database';
import { openRideDatabase } from '@msd/ride-service/database';
import { developmentToken, type Role } from '@msd/service-kit';
import { type GraphQLResponse, graphqlRequest, readCounter } from '@msd/testing';
import { getIntrospectionQuery } from 'graphql';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// The front door, through the gateway as clients call it: who may do what, the limits, CORS,
// readiness. Every refusal is checked to have written nothing and, before planning, to have
// called no subgraph.
let federation: TestFederation;
let base: string;
let productDb: ReturnType<typeof openProductDatabase>;
let orderDb: ReturnType<typeof openOrderDatabase>;
let rideDb: ReturnType<typeof openRideDatabase>;
let driverDb: ReturnType<typeof openDriverDatabase>;
const ALICE = 'customer-alice';
const BOB = 'customer-bob';
const RIDER_ANA = 'rider-ana';
const RIDER_BEN = 'rider-ben';
let productId: string;
let aliceOrder: string;
let driverId: string;
let anaRide: string;

type Who = { as?: Role; subject?: string; headers?: Record<string, string> };
const query = <T = Record<string, unknown>>(
  text: string,
  variables: Record<string, unknown> = {},
  who: Who = {},
) => graphqlRequest<T>(federation.gatewayUrl, text, variables, who);
const codes = (response: GraphQLResponse<unknown>) => response.errors?.map((e) => e.extensions?.code);
const subgraphCalls = () => readCounter(`${base}/metrics`, 'subgraph_calls_total');
const counts = async () => ({
  products: await productDb.product.count(),
  orders: await orderDb.order.count(),
  rides: await rideDb.ride.count(),
  ratings: (await driverDb.driver.findUniqueOrThrow({ where: { id: driverId } })).ratingCount,
});

beforeAll(async () => {
  federation = await startTestFederation({
    events: true,
    // Orders cached too, to prove that an entity whose answer depends on the caller is keyed by it.
    entityCache: {
      types: {
        Driver: { subgraph: 'driver', ttlSeconds: 60 },
        Product: { subgraph: 'product', ttlSeconds: 60 },
        Order: { subgraph: 'order', ttlSeconds: 60 },
      },
    },
    gateway: { adminPort: 0 },
    // A loaded machine answers slowly; no test here is about timeouts.
    resilience: Object.fromEntries(
      ['product', 'order', 'inventory', 'shipping', 'driver', 'ride'].map((name) => [
        name,
        { timeoutMs: 10_000 },
      ]),
    ),
  });
  base = federation.gatewayUrl.replace(/\/graphql$/, '');
  productDb = openProductDatabase(federation.subgraphs.product.databaseUrl);
  orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
  rideDb = openRideDatabase(federation.subgraphs.ride.databaseUrl);
  driverDb = openDriverDatabase(federation.subgraphs.driver.databaseUrl);
  const created = await query<{ createProduct: { id: string } }>(
    'mutation { createProduct(input: { sku: "FD-1", name: "Door Kettle", price: 12.5 }) { id } }',
    {},
    { as: 'operator' },
  );
  productId = created.data!.createProduct.id;
  const placed = await query<{ placeOrder: { id: string } }>(
    'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
    { input: { customerId: ALICE, items: [{ productId, quantity: 1 }] } },
    { as: 'customer', subject: ALICE },
  );
  expect(placed.errors).toBeUndefined();
  aliceOrder = placed.data!.placeOrder.id;
  const driver = await query<{ createDriver: { id: string } }>(
    'mutation { createDriver(input: { name: "Dora", car: { make: "Kia", model: "Niro", color: "red", plate: "FD-1" } }) { id } }',
    {},
    { as: 'operator' },
  );
  driverId = driver.data!.createDriver.id;
  const ride = await query<{ requestRide: { id: string } }>(
    'mutation ($input: RequestRideInput!) { requestRide(input: $input) { id } }',
    { input: { riderId: RIDER_ANA, driverId, pickup: 'A', dropoff: 'B' } },
    { as: 'rider', subject: RIDER_ANA },
  );
  expect(ride.errors).toBeUndefined();
  anaRide = ride.data!.requestRide.id;
}, 120_000);
afterAll(async () => {
  await Promise.all([productDb, orderDb, rideDb, driverDb].map((db) => db?.$disconnect()));
  await federation?.stop();
});

describe('identity', () => {
  it('anyone reads the catalogue, with stock, without a token', async () => {
    const response = await query<{ products: { name: string; stock: number | null }[] }>(
      '{ products { name stock } }',
    );
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.products).toEqual([{ name: 'Door Kettle', stock: 0 }]);
  });

  it('a bad signature, an expired token or a malformed header: 401 UNAUTHENTICATED, nothing runs', async () => {
    const token = await developmentToken('operator');
    const expired = await developmentToken('operator', 'op', {
      expiresIn: Math.floor(Date.now() / 1000) - 5,
    });
    const before = await subgraphCalls();
    for (const authorization of [`Bearer ${token.slice(0, -4)}AAAA`, `Bearer ${expired}`, 'Token abc']) {
      const response = await query('{ products { id } }', {}, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.data).toBeUndefined();
    }
    expect(await subgraphCalls()).toBe(before);
  });

  it('drops client-sent identity headers: only the verified caller reaches the subgraphs', async () => {
    const forged = { 'x-caller-subject': ALICE, 'x-caller-scopes': 'operator' };
    const anonymous = await query('{ order(id: "x") { id } }', {}, { headers: forged });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    const bob = await query<{ orders: { id: string }[] }>(
      '{ orders { id customerId } }',
      {},
      {
        as: 'customer',
        subject: BOB,
        headers: forged,
      },
    );
    expect(bob.errors).toBeUndefined();
    expect(bob.data!.orders).toEqual([]);
  });
});

describe('access rules from the supergraph, enforced before planning', () => {
  it('a field the caller may not see is null with an error at its path; the rest answers', async () => {
    const response = await query<{ products: unknown[]; order: unknown; ride: unknown }>(
      'query ($o: ID!, $r: ID!) { products { name } order(id: $o) { id } ride(id: $r) { id } }',
      { o: aliceOrder, r: anaRide },
      { as: 'customer', subject: ALICE },
    );
    expect(response.status).toBe(200);
    expect(response.data).toEqual({
      products: [{ name: 'Door Kettle' }],
      order: { id: aliceOrder },
      ride: null,
    });
    expect(response.errors).toEqual([
      expect.objectContaining({ path: ['ride'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    const anonymous = await query('query ($o: ID!) { products { name } order(id: $o) { id } }', {
      o: aliceOrder,
    });
    expect(anonymous.data).toEqual({ products: [{ name: 'Door Kettle' }], order: null });
    expect(anonymous.errors?.[0]).toMatchObject({ path: ['order'], extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('null propagates like GraphQL execution: a refused non-null root field nulls the data', async () => {
    const response = await query(
      '{ products { name } rides { id } }',
      {},
      { as: 'customer', subject: ALICE },
    );
    expect(response.data).toBeNull();
    expect(response.errors?.[0]).toMatchObject({ path: ['rides'], extensions: { code: 'FORBIDDEN' } });
  });

  it('refuses a mutation the caller may not run whole: no subgraph called, nothing written', async () => {
    const before = await counts();
    const calls = await subgraphCalls();
    const mixed = await query(
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } createProduct(input: { sku: "X", name: "X", price: 1 }) { id } }',
      { input: { customerId: ALICE, items: [{ productId, quantity: 1 }] } },
      { as: 'customer', subject: ALICE },
    );
    expect(mixed.data).toBeUndefined();
    expect(codes(mixed)).toEqual(['FORBIDDEN']);
    const cases: [string, Who, string][] = [
      ['mutation { createProduct(input: { sku: "Y", name: "Y", price: 1 }) { id } }', {}, 'UNAUTHENTICATED'],
      [
        `mutation { updateProduct(id: "${productId}", input: { name: "Hacked" }) { id } }`,
        { as: 'rider' },
        'FORBIDDEN',
      ],
      [
        `mutation { renameProduct(id: "${productId}", name: "Hacked", consistency: STRONG) { id } }`,
        { as: 'customer' },
        'FORBIDDEN',
      ],
      [
        'mutation { createDriver(input: { name: "Z", car: { make: "a", model: "b", color: "c", plate: "Z" } }) { id } }',
        { as: 'rider' },
        'FORBIDDEN',
      ],
      ['mutation { reconcileProductNames { checked } }', { as: 'customer' }, 'FORBIDDEN'],
      [
        `mutation { restock(productId: "${productId}", quantity: 5) { stock } }`,
        { as: 'customer' },
        'FORBIDDEN',
      ],
      [`mutation { rateDriver(id: "${driverId}", stars: 5) { id } }`, { as: 'customer' }, 'FORBIDDEN'],
      ['mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {}, 'UNAUTHENTICATED'],
      ['{ replicationStatus { productName { eventsApplied } } }', { as: 'customer' }, 'FORBIDDEN'],
    ];
    for (const [text, who, code] of cases) {
      const response = await query(
        text,
        { input: { customerId: ALICE, items: [{ productId, quantity: 1 }] } },
        who,
      );
      expect(codes(response), text).toEqual([code]);
    }
    expect(await subgraphCalls()).toBe(calls);
    expect(await counts()).toEqual(before);
    expect((await productDb.product.findUniqueOrThrow({ where: { id: productId } })).name).toBe(
      'Door Kettle',
    );
  });
});

describe('ownership, checked by the services that own the data', () => {
  it('a customer orders for itself only; another customer’s order is FORBIDDEN and nothing is written', async () => {
    const before = await counts();
    const forAlice = await query(
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: ALICE, items: [{ productId, quantity: 1 }] } },
      { as: 'customer', subject: BOB },
    );
    expect(codes(forAlice)).toEqual(['FORBIDDEN']);
    expect(await counts()).toEqual(before);
    const read = await query(
      'query ($id: ID!) { order(id: $id) { id total } }',
      { id: aliceOrder },
      {
        as: 'customer',
        subject: BOB,
      },
    );
    expect(read.data).toEqual({ order: null });
    expect(read.errors?.[0]).toMatchObject({ path: ['order'], extensions: { code: 'FORBIDDEN' } });
    const own = await query<{ orders: { id: string; customerId: string }[] }>(
      '{ orders { id customerId } }',
      {},
      {
        as: 'customer',
        subject: ALICE,
      },
    );
    expect(own.data!.orders).toEqual([{ id: aliceOrder, customerId: ALICE }]);
    const all = await query<{ orders: unknown[] }>('{ orders { id } }', {}, { as: 'operator' });
    expect(all.data!.orders.length).toBe(before.orders);
  });

  it('a rider requests and reads its own rides, and rates a driver once per finished ride of its own', async () => {
    const before = await counts();
    const forAna = await query(
      'mutation ($input: RequestRideInput!) { requestRide(input: $input) { id } }',
      { input: { riderId: RIDER_ANA, driverId, pickup: 'A', dropoff: 'B' } },
      { as: 'rider', subject: RIDER_BEN },
    );
    expect(codes(forAna)).toEqual(['FORBIDDEN']);
    const rateAsBen = await query(
      `mutation { rateDriver(id: "${driverId}", stars: 1) { ratingCount } }`,
      {},
      {
        as: 'rider',
        subject: RIDER_BEN,
      },
    );
    expect(codes(rateAsBen)).toEqual(['FORBIDDEN']);
    expect(await counts()).toEqual(before);
    const bens = await query<{ rides: unknown[] }>(
      '{ rides { id } }',
      {},
      { as: 'rider', subject: RIDER_BEN },
    );
    expect(bens.data!.rides).toEqual([]);
    const anas = await query<{ rides: { id: string; driver: { name: string } }[] }>(
      '{ rides { id driver { name } } }',
      {},
      { as: 'rider', subject: RIDER_ANA },
    );
    expect(anas.data!.rides).toEqual([{ id: anaRide, driver: { name: 'Dora' } }]);
    const rateAsAna = () =>
      query<{ rateDriver: { ratingCount: number } }>(
        `mutation { rateDriver(id: "${driverId}", stars: 5) { ratingCount } }`,
        {},
        { as: 'rider', subject: RIDER_ANA },
      );
    // Requesting a ride is not riding: a rating belongs to a finished ride, once.
    expect(codes(await rateAsAna())).toEqual(['FORBIDDEN']);
    expect(
      codes(
        await query(
          `mutation { completeRide(id: "${anaRide}") { id } }`,
          {},
          { as: 'rider', subject: RIDER_ANA },
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(await counts()).toEqual(before);
    const done = await query(
      `mutation { completeRide(id: "${anaRide}") { status } }`,
      {},
      { as: 'operator' },
    );
    expect(done.data).toEqual({ completeRide: { status: 'COMPLETED' } });
    // The driver service learns of the finished ride by RideCompleted.
    await vi.waitFor(
      async () => expect(await driverDb.rateableRide.count({ where: { rideId: anaRide } })).toBe(1),
      {
        timeout: 10_000,
      },
    );
    const rated = await rateAsAna();
    expect(rated.errors).toBeUndefined();
    expect(rated.data!.rateDriver.ratingCount).toBe(before.ratings + 1);
    expect(codes(await rateAsAna())).toEqual(['FORBIDDEN']);
    expect((await counts()).ratings).toBe(before.ratings + 1);
  });
});

describe('the entity cache and identity', () => {
  it('never serves an order cached for one caller to a caller who could not have fetched it', async () => {
    const shipmentId = await vi.waitFor(
      async () => {
        const { data } = await query<{ order: { shipment: { id: string } | null } }>(
          'query ($id: ID!) { order(id: $id) { shipment { id } } }',
          { id: aliceOrder },
          { as: 'operator' },
        );
        expect(data!.order.shipment).not.toBeNull();
        return data!.order.shipment!.id;
      },
      { timeout: 10_000, interval: 100 },
    );
    const read = (who: Who) =>
      query<{ shipment: { id: string; order: { customerId: string; total: number } } | null }>(
        'query ($id: ID!) { shipment(id: $id) { id order { customerId total } } }',
        { id: shipmentId },
        who,
      );
    const hits = () =>
      readCounter(`${base}/metrics`, 'entity_cache_lookups_total', { type: 'Order', result: 'hit' });
    // The operator's read caches the order (twice, so the second is a hit for the operator).
    expect((await read({ as: 'operator' })).data!.shipment!.order.customerId).toBe(ALICE);
    const hitsBefore = await hits();
    expect((await read({ as: 'operator' })).data!.shipment!.order.customerId).toBe(ALICE);
    expect(await hits()).toBe(hitsBefore + 1);
    // Bob may read the shipment but not Alice's order: the cached answer is not his.
    const bob = await read({ as: 'customer', subject: BOB });
    expect(bob.data).toEqual({ shipment: null });
    expect(codes(bob)).toEqual(['FORBIDDEN']);
    // Alice, the owner, reads it under her own key.
    expect((await read({ as: 'customer', subject: ALICE })).data!.shipment!.order).toEqual({
      customerId: ALICE,
      total: 12.5,
    });
    expect(await hits()).toBe(hitsBefore + 1);
    // A caller without the right to the shipment at all is refused before any lookup.
    const anonymous = await read({});
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(await hits()).toBe(hitsBefore + 1);
  });
});

describe('operation limits, before planning', () => {
  const bomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: orders(first: 100) { items { product { name stock } } }`).join(' ')} }`;
  const cases: [string, string, string][] = [
    ['aliases', 'a 200-alias bomb', bomb],
    [
      'depth',
      'a 12-level order/shipment cycle',
      `{ orders { ${'shipment { order { '.repeat(6)}id${' } }'.repeat(6)} } }`,
    ],
    [
      'rootFields',
      '11 root fields',
      `{ ${Array.from({ length: 11 }, (_, i) => `p${i}: product(id: "x") { id }`).join(' ')} }`,
    ],
    [
      'cost',
      'four pages of 100 orders with items',
      `{ ${['a', 'b', 'c', 'd'].map((a) => `${a}: orders(first: 100) { items { product { name } } }`).join(' ')} }`,
    ],
    // An order may hold 100 items: 130 orders with their items’ products are 130 x (1 + 100 x 2).
    [
      'cost',
      '130 orders with every item’s product',
      '{ a: orders(first: 100) { items { product { name } } } b: orders(first: 30) { items { product { name } } } }',
    ],
    // Introspection counts like any field.
    [
      'rootFields',
      '30 aliased __schema',
      `{ ${Array.from({ length: 30 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`,
    ],
    [
      'cost',
      'ten introspections of every field’s type’s fields',
      `{ ${Array.from({ length: 10 }, (_, i) => `s${i}: __schema { types { fields { type { fields { name } } } } }`).join(' ')} }`,
    ],
    [
      'introspectionDepth',
      'a 40-level nested __type',
      `{ __type(name: "Query") { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } }`,
    ],
    ['documentSize', 'a 40 KB document', `{ products { id } }\n#${'x'.repeat(40_000)}`],
  ];
  for (const [limit, what, text] of cases) {
    it(`refuses ${what}: 400 OPERATION_LIMIT_EXCEEDED naming "${limit}", no subgraph called`, async () => {
      const calls = await subgraphCalls();
      const response = await query(text, {}, { as: 'operator' });
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit });
      if (limit === 'cost') expect(response.errors?.[0]?.extensions?.cost).toMatchObject({ max: 25_000 });
      expect(await subgraphCalls()).toBe(calls);
    });
  }

  it('refuses a document of more than 5,000 tokens while parsing it: 400, no subgraph called', async () => {
    const calls = await subgraphCalls();
    const response = await query(`{ products { ${'id '.repeat(5_100)}} }`, {}, { as: 'operator' });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/5000 tokens/);
    expect(await subgraphCalls()).toBe(calls);
  });

  it('lets GraphiQL’s and Apollo Sandbox’s own introspection through', async () => {
    for (const options of [
      {},
      {
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      },
    ]) {
      const response = await query<{ __schema: { types: unknown[] } }>(
        getIntrospectionQuery(options),
        {},
        {},
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.__schema.types.length).toBeGreaterThan(10);
    }
  });

  it('measures the actual cost of executed operations on /metrics', async () => {
    const count = () => readCounter(`${base}/metrics`, 'graphql_operation_actual_cost_count');
    const sum = () => readCounter(`${base}/metrics`, 'graphql_operation_actual_cost_sum');
    const [countBefore, sumBefore] = [await count(), await sum()];
    await query('{ orders(first: 5) { items { product { name } } } }', {}, { as: 'operator' });
    expect(await count()).toBe(countBefore + 1);
    // Estimated 5 x (1 + 100 x 2) = 1,005; the answer has Alice's one order of one item: 1 + 1 x 2 = 3.
    expect(await sum()).toBe(sumBefore + 3);
  });
});

describe('CORS, readiness and the admin surface', () => {
  it('answers the client app’s preflight 204, allowing authorization and content-type', async () => {
    const response = await fetch(federation.gatewayUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization.*content-type/);
    const call = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products { id } }' }),
    });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it('masks an internal error of a subgraph: the client never sees SQL, and the rest answers', async () => {
    const client = new Client({ connectionString: federation.subgraphs.shipping.databaseUrl });
    await client.connect();
    await client.query('ALTER TABLE shipments RENAME TO shipments_gone');
    try {
      const response = await query<{ orders: { id: string; shipment: unknown }[] }>(
        '{ orders { id shipment { status } } }',
        {},
        { as: 'operator' },
      );
      expect(response.status).toBe(200);
      expect(response.data!.orders.length).toBeGreaterThan(0);
      expect(JSON.stringify(response.errors)).not.toMatch(/shipments|relation|prisma|at .*\.ts/i);
      expect(response.errors?.[0]?.message).toBe('Internal server error');
    } finally {
      await client.query('ALTER TABLE shipments_gone RENAME TO shipments');
      await client.end();
    }
  });

  it('/ready stays 200 with a subgraph down; /subgraphs and /metrics (also on the admin port) report it', async () => {
    // This federation runs without the coordinator: its URL answers nothing.
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    type Report = { healthy: boolean; subgraphs: Record<string, { status: string; circuit: string }> };
    const report = (await (await fetch(`${base}/subgraphs`)).json()) as Report;
    expect(report.healthy).toBe(false);
    expect(report.subgraphs.coordinator!.status).not.toBe('ok');
    expect(report.subgraphs.product).toEqual({ status: 'ok', circuit: 'closed' });
    const admin = `http://127.0.0.1:${federation.gateway.adminPort()}`;
    expect(await readCounter(`${admin}/metrics`, 'subgraph_up', { subgraph: 'coordinator' })).toBe(0);
    expect(await readCounter(`${admin}/metrics`, 'subgraph_up', { subgraph: 'product' })).toBe(1);
    expect(await readCounter(`${admin}/metrics`, 'subgraph_circuit_state', { subgraph: 'product' })).toBe(0);
    expect(
      ((await (await fetch(`${admin}/subgraphs`)).json()) as Report).subgraphs.coordinator!.status,
    ).not.toBe('ok');
    // The rest of the API answers as usual.
    const products = await query<{ products: { name: string }[] }>('{ products { name } }');
    expect(products.data!.products).toEqual([{ name: 'Door Kettle' }]);
  });
});
