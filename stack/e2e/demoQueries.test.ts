import { graphqlRequest } from '@msd/testing';
import { describe, expect, inject, it, vi } from 'vitest';
import { demoQueries } from '../src/index.ts';

const gatewayUrl = inject('gatewayUrl');
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(gatewayUrl, text, variables, { as: 'operator' });

interface DemoOrder {
  id: string;
  total: number;
  items: {
    productName: string;
    unitPrice: number;
    quantity: number;
    product: { name: string; price: number; stock: number | null };
  }[];
  shipment: { status: string } | null;
}

describe('the demo, through the gateway, as a client runs it', () => {
  it('serves orders with their items joined to products, stock and shipments', async () => {
    const { status, data, errors } = await query<{ orders: DemoOrder[] }>(demoQueries.ordersWithProducts);
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    expect(data!.orders).toHaveLength(5);
    for (const order of data!.orders) {
      expect(order.items.length).toBeGreaterThan(0);
      expect(order.shipment?.status).toMatch(/PENDING|SHIPPED|CANCELLED/);
      for (const item of order.items) {
        expect(item.product.name).toBe(item.productName);
        expect(typeof item.product.stock).toBe('number');
      }
      const total = order.items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
      expect(order.total).toBeCloseTo(total, 2);
    }
  });

  it('serves rides with the local driverName and live driver details', async () => {
    const { data, errors } = await query<{
      rides: { driverName: string; driver: { name: string; rating: number } }[];
    }>(demoQueries.ridesWithDrivers);
    expect(errors).toBeUndefined();
    expect(data!.rides).toHaveLength(5);
    for (const ride of data!.rides) {
      expect(ride.driver.name).toBe(ride.driverName);
      expect(ride.driver.rating).toBeGreaterThanOrEqual(1);
    }
  });

  it('places an order at the current names and prices', async () => {
    const { data: catalog } = await query<{ products: { id: string; name: string; price: number }[] }>(
      '{ products(first: 2) { id name price } }',
    );
    const products = catalog!.products;
    const { data, errors } = await query<{ placeOrder: DemoOrder & { status: string } }>(
      demoQueries.placeOrder(products.map((p) => p.id)),
    );
    expect(errors).toBeUndefined();
    expect(data!.placeOrder.status).toBe('PLACED');
    expect(data!.placeOrder.items.map((i) => [i.productName, i.unitPrice, i.quantity])).toEqual(
      products.map((p, i) => [p.name, p.price, i + 1]),
    );
    const again = await query<{ order: { id: string } }>('query ($id: ID!) { order(id: $id) { id } }', {
      id: data!.placeOrder.id,
    });
    expect(again.data!.order.id).toBe(data!.placeOrder.id);
  });
});

describe('bad input gets a clear GraphQL error, never a 500', () => {
  it('a malformed query: 400 with a GraphQL syntax error', async () => {
    const response = await query('{ orders(first: 5) { id ');
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('a body that is not JSON: 400', async () => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  it('an unknown id: null, no error', async () => {
    const response = await query(
      '{ product(id: "00000000-0000-7000-8000-000000000000") { id } order(id: "x") { id } ride(id: "y") { id } }',
    );
    expect(response).toEqual({ status: 200, data: { product: null, order: null, ride: null } });
  });

  it('a variable of the wrong type: BAD_USER_INPUT', async () => {
    const response = await query('query ($first: Int) { products(first: $first) { id } }', { first: 'ten' });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a mutation with invalid values: BAD_USER_INPUT naming the field', async () => {
    const response = await query(
      'mutation { rateDriver(id: "00000000-0000-7000-8000-000000000000", stars: 9) { id } }',
    );
    expect(response.status).toBe(200);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'stars' });
  });

  it('an unknown field: 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const response = await query('{ products { id color } }');
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('GET / serves Apollo Sandbox to a browser; /health and /ready answer', async () => {
    const base = gatewayUrl.replace(/\/graphql$/, '');
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    // /ready is the gateway's own readiness; /subgraphs reports each subgraph's health and circuit.
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const report = (await (await fetch(`${base}/subgraphs`)).json()) as {
      healthy: boolean;
      subgraphs: Record<string, { status: string }>;
    };
    expect(report.healthy).toBe(true);
    expect(Object.keys(report.subgraphs).sort()).toEqual([
      'coordinator',
      'driver',
      'inventory',
      'order',
      'product',
      'ride',
      'shipping',
    ]);
  });

  it('a subgraph called directly without the service credential: 401 and no data', async () => {
    const response = await graphqlRequest(inject('productUrl'), '{ products { id name } }');
    expect(response.status).toBe(401);
    expect(response.data).toBeUndefined();
  });
});

describe('copies follow their owner through events, across real processes', () => {
  it('renames a product and every order copy follows; replicationStatus reports it', async () => {
    const { data } = await query<{ orders: { items: { product: { id: string } }[] }[] }>(
      '{ orders(first: 1) { items { product { id } } } }',
    );
    const productId = data!.orders[0]!.items[0]!.product.id;
    const renamed = `Renamed ${Date.now()}`;
    await query(
      'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
      {
        id: productId,
        name: renamed,
      },
    );
    await vi.waitFor(
      async () => {
        const { data: after } = await query<{
          orders: { items: { productName: string; product: { id: string } }[] }[];
        }>('{ orders(first: 100) { items { productName product { id } } } }');
        const copies = after!.orders.flatMap((o) => o.items).filter((i) => i.product.id === productId);
        expect(copies.length).toBeGreaterThan(0);
        expect(copies.every((i) => i.productName === renamed)).toBe(true);
      },
      { timeout: 5_000, interval: 50 },
    );
    const status = await query<{
      replicationStatus: { productName: { eventsApplied: number; lagP99Ms: number } };
    }>('{ replicationStatus { productName { eventsApplied lagP99Ms } driverName { copy } } }');
    expect(status.errors).toBeUndefined();
    expect(status.data!.replicationStatus.productName.eventsApplied).toBeGreaterThan(0);
  });
});

describe('the coordinator, across real processes', () => {
  it('renameProduct STRONG: the product and every copy hold the name when the call returns', async () => {
    const { data } = await query<{ orders: { items: { product: { id: string } }[] }[] }>(
      '{ orders(first: 1, after: null) { items { product { id } } } }',
    );
    const productId = data!.orders[0]!.items.at(-1)!.product.id;
    const renamed = `Strongly renamed ${Date.now()}`;
    const response = await query<{ renameProduct: { id: string; name: string } }>(
      'mutation ($id: ID!, $name: String!) { renameProduct(id: $id, name: $name, consistency: STRONG) { id name } }',
      { id: productId, name: renamed },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.renameProduct).toEqual({ id: productId, name: renamed });
    const { data: after } = await query<{
      orders: { items: { productName: string; product: { id: string } }[] }[];
    }>('{ orders(first: 100) { items { productName product { id } } } }');
    const copies = after!.orders.flatMap((o) => o.items).filter((i) => i.product.id === productId);
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((i) => i.productName === renamed)).toBe(true);
  });
});
