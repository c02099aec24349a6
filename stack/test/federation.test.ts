import { openInventoryDatabase } from '@msd/inventory-service/database';
import { openOrderDatabase } from '@msd/order-service/database';
import { openShippingDatabase } from '@msd/shipping-service/database';
import { graphqlRequest, readCounter } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

let federation: TestFederation;
let metricsUrl: string;
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });

interface Seeded {
  productIds: string[];
  orderIds: string[];
  driverIds: string[];
}
const seeded: Seeded = { productIds: [], orderIds: [], driverIds: [] };

beforeAll(async () => {
  federation = await startTestFederation();
  metricsUrl = federation.subgraphs.product.url.replace(/graphql$/, 'metrics');
  for (let i = 0; i < 20; i++) {
    const { data } = await query<{ createProduct: { id: string } }>(
      `mutation { createProduct(input: { sku: "SKU-${i}", name: "Product ${i}", price: ${i + 1}.5 }) { id } }`,
    );
    seeded.productIds.push(data!.createProduct.id);
  }
  // Stock and shipments are written by the owning services' own data layers, as the seed does.
  const inventory = openInventoryDatabase(federation.subgraphs.inventory.databaseUrl);
  await inventory.stockLevel.createMany({
    data: seeded.productIds.map((productId, i) => ({ productId, quantity: i * 10 })),
  });
  await inventory.$disconnect();
  for (let i = 0; i < 100; i++) {
    const items = [0, 1, 2, 3, 4].map((k) => ({
      productId: seeded.productIds[(i + k * 3) % 20],
      quantity: k + 1,
    }));
    const { data, errors } = await query<{ placeOrder: { id: string } }>(
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: `customer-${i % 7}`, items } },
    );
    expect(errors).toBeUndefined();
    seeded.orderIds.push(data!.placeOrder.id);
  }
  const shipping = openShippingDatabase(federation.subgraphs.shipping.databaseUrl);
  await shipping.shipment.createMany({ data: seeded.orderIds.slice(0, 50).map((orderId) => ({ orderId })) });
  await shipping.$disconnect();
  for (let i = 0; i < 5; i++) {
    const { data } = await query<{ createDriver: { id: string } }>(
      `mutation { createDriver(input: { name: "Driver ${i}", car: { make: "Kia", model: "Niro", color: "blue", plate: "P-${i}" } }) { id } }`,
    );
    seeded.driverIds.push(data!.createDriver.id);
  }
}, 120_000);
afterAll(() => federation?.stop());

describe('request/response through the gateway', () => {
  it('resolves 100 orders x 5 items with one SQL statement per subgraph fetch', async () => {
    const tables = ['orders', 'order_items', 'products', 'stock_levels', 'shipments'];
    const before = await Promise.all(
      tables.map((table) => readCounter(metricsUrl, 'db_statements_total', { table })),
    );
    const { data, errors } = await query<{
      orders: { items: { product: { name: string; stock: number } }[] }[];
    }>(
      '{ orders(first: 100) { id total items { productName unitPrice quantity product { name price stock } } shipment { status } } }',
    );
    const after = await Promise.all(
      tables.map((table) => readCounter(metricsUrl, 'db_statements_total', { table })),
    );
    expect(errors).toBeUndefined();
    expect(data!.orders).toHaveLength(100);
    expect(data!.orders.flatMap((o) => o.items)).toHaveLength(500);
    expect(Object.fromEntries(tables.map((table, i) => [table, after[i]! - before[i]!]))).toEqual({
      orders: 1,
      order_items: 1,
      products: 1,
      stock_levels: 1,
      shipments: 1,
    });
  });

  it('sends each subgraph each distinct entity once, however many items name it', async () => {
    const received = () =>
      Promise.all(
        ['product', 'inventory'].map(
          async (service) =>
            (await readCounter(metricsUrl, 'subgraph_entity_representations_total', {
              service,
              type: 'Product',
            })) ?? 0,
        ),
      );
    const before = await received();
    const { data, errors } = await query<{
      orders: { items: { product: { id: string; stock: number } }[] }[];
    }>('{ orders(first: 100) { items { product { id name stock } } } }');
    const after = await received();
    expect(errors).toBeUndefined();
    const products = data!.orders.flatMap((o) => o.items.map((item) => item.product));
    expect(products).toHaveLength(500);
    // Every position still gets its own product: the answers are spread back over the 500 items.
    for (const product of products) {
      const index = seeded.productIds.indexOf(product.id);
      expect(product.stock).toBe(index * 10);
    }
    // 500 item references to 20 products: 20 representations to product, 20 to inventory.
    expect(after.map((n, i) => n - before[i]!)).toEqual([20, 20]);
  });

  it('joins each order item with its product, stock and the order with its shipment', async () => {
    const { data } = await query<{
      order: {
        total: number;
        items: {
          productName: string;
          unitPrice: number;
          quantity: number;
          product: { id: string; name: string; stock: number };
        }[];
        shipment: { status: string; order: { id: string } };
      };
    }>(
      'query ($id: ID!) { order(id: $id) { total items { productName unitPrice quantity product { id name stock } } shipment { status order { id } } } }',
      { id: seeded.orderIds[0] },
    );
    const items = data!.order.items;
    expect(items.map((item) => item.product.id)).toEqual([0, 3, 6, 9, 12].map((k) => seeded.productIds[k]));
    for (const item of items) {
      const index = seeded.productIds.indexOf(item.product.id);
      expect(item).toMatchObject({ productName: `Product ${index}`, unitPrice: index + 1.5 });
      expect(item.product).toMatchObject({ name: `Product ${index}`, stock: index * 10 });
    }
    expect(data!.order.total).toBeCloseTo(
      items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0),
    );
    expect(data!.order.shipment).toEqual({ status: 'PENDING', order: { id: seeded.orderIds[0] } });
  });

  it('keeps the unit price as a snapshot and the product name as it was copied at purchase', async () => {
    const productId = seeded.productIds[0];
    await query('mutation ($id: ID!) { updateProduct(id: $id, input: { price: 99 }) { id } }', {
      id: productId,
    });
    const { data } = await query<{ order: { items: { unitPrice: number; product: { price: number } }[] } }>(
      'query ($id: ID!) { order(id: $id) { items { unitPrice product { price } } } }',
      { id: seeded.orderIds[0] },
    );
    expect(data!.order.items[0]).toEqual({ unitPrice: 1.5, product: { price: 99 } });
  });

  it('rejects orders for unknown products, zero quantities or no items with BAD_USER_INPUT and writes nothing', async () => {
    // Counted in the order database: a page of orders is capped and would hide an extra row.
    const orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
    const count = () => Promise.all([orderDb.order.count(), orderDb.orderItem.count()]);
    const before = await count();
    for (const items of [
      [{ productId: '00000000-0000-7000-8000-000000000000', quantity: 1 }],
      [{ productId: seeded.productIds[1], quantity: 0 }],
      [],
    ]) {
      const response = await query(
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        {
          input: { customerId: 'c', items },
        },
      );
      expect(response.status).toBe(200);
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await count()).toEqual(before);
    await orderDb.$disconnect();
  });

  it('stores the driver name on the ride and fetches driver details live', async () => {
    const { data, errors } = await query<{
      requestRide: { driverName: string; driver: { name: string; rating: number } };
    }>(
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r1", driverId: $driverId, pickup: "A", dropoff: "B" }) { driverName driver { name rating car { plate } } } }',
      { driverId: seeded.driverIds[2] },
    );
    expect(errors).toBeUndefined();
    expect(data!.requestRide).toEqual({
      driverName: 'Driver 2',
      driver: { name: 'Driver 2', rating: 0, car: { plate: 'P-2' } },
    });
    const unknown = await query(
      'mutation { requestRide(input: { riderId: "r1", driverId: "00000000-0000-7000-8000-000000000000", pickup: "A", dropoff: "B" }) { id } }',
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('degraded answers with a service down', () => {
  // A federation of their own: each test stops a service for good, which no other test may see.
  let degraded: TestFederation;
  const ask = <T = Record<string, unknown>>(text: string) =>
    graphqlRequest<T>(degraded.gatewayUrl, text, {}, { as: 'operator' });
  beforeAll(async () => {
    degraded = await startTestFederation();
    const { data } = await ask<Record<string, { id: string }>>(
      `mutation { ${[0, 1, 2, 3, 4]
        .map((i) => `p${i}: createProduct(input: { sku: "DEG-${i}", name: "Product ${i}", price: 1 }) { id }`)
        .join(' ')} }`,
    );
    const items = [0, 1, 2, 3, 4]
      .map((i) => `{ productId: "${data![`p${i}`]!.id}", quantity: 1 }`)
      .join(', ');
    for (let order = 0; order < 3; order++)
      expect(
        (await ask(`mutation { placeOrder(input: { customerId: "c-${order}", items: [${items}] }) { id } }`))
          .errors,
      ).toBeUndefined();
    const { data: driver } = await ask<{ createDriver: { id: string } }>(
      'mutation { createDriver(input: { name: "Driver 2", car: { make: "Kia", model: "Niro", color: "blue", plate: "P-2" } }) { id } }',
    );
    expect(
      (
        await ask(
          `mutation { requestRide(input: { riderId: "r1", driverId: "${driver!.createDriver.id}", pickup: "A", dropoff: "B" }) { id } }`,
        )
      ).errors,
    ).toBeUndefined();
  }, 120_000);
  afterAll(() => degraded?.stop());

  it('answers rides with their local driverName and a per-field error while the driver service is down', async () => {
    await degraded.subgraphs.driver.server.stop();
    const response = await ask<{ rides: { driverName: string; driver: unknown }[] }>(
      '{ rides { id driverName driver { rating } } }',
    );
    expect(response.status).toBe(200);
    expect(response.data!.rides).toEqual([expect.objectContaining({ driverName: 'Driver 2', driver: null })]);
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'The driver service is unavailable',
        path: ['rides', 0, 'driver'],
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', service: 'driver' }),
      }),
    ]);
  });

  it('answers orders with their local productName, product null and one error per failed path', async () => {
    await degraded.subgraphs.product.server.stop();
    const response = await ask<{
      orders: { items: { productName: string; product: { price: number } | null }[] }[];
    }>('{ orders(first: 3) { id items { productName product { price } } } }');
    expect(response.status).toBe(200);
    const items = response.data!.orders.flatMap((order) => order.items);
    expect(items).toHaveLength(15);
    for (const item of items)
      expect(item).toEqual({ productName: expect.stringMatching(/^Product \d+$/), product: null });
    expect(response.errors).toHaveLength(15);
    for (const error of response.errors ?? []) {
      expect(error).toMatchObject({
        message: 'The product service is unavailable',
        extensions: { service: 'product' },
      });
      expect(error.path).toEqual(['orders', expect.any(Number), 'items', expect.any(Number), 'product']);
    }
  });
});
