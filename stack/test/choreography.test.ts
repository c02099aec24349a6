import { graphqlRequest } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

let federation: TestFederation;
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });
let kettle: string;
let grinder: string;

async function createProduct(name: string) {
  const { data, errors } = await query<{ createProduct: { id: string } }>(
    'mutation ($name: String!) { createProduct(input: { sku: $name, name: $name, price: 10 }) { id } }',
    { name },
  );
  if (!data) throw new Error(`createProduct failed: ${JSON.stringify(errors)}`);
  return data.createProduct.id;
}

const stockOf = async (id: string) =>
  (
    await query<{ product: { stock: number | null } }>('query ($id: ID!) { product(id: $id) { stock } }', {
      id,
    })
  ).data!.product.stock;

async function placeOrder(items: { productId: string; quantity: number }[]) {
  const { data, errors } = await query<{ placeOrder: { id: string; status: string } }>(
    'mutation ($items: [OrderItemInput!]!) { placeOrder(input: { customerId: "c-1", items: $items }) { id status } }',
    { items },
  );
  expect(errors).toBeUndefined();
  return data!.placeOrder;
}

const orderState = async (id: string) =>
  (
    await query<{ order: { status: string; shipment: { status: string } | null } }>(
      'query ($id: ID!) { order(id: $id) { status shipment { status } } }',
      { id },
    )
  ).data!.order;

beforeAll(async () => {
  federation = await startTestFederation({ events: true });
  kettle = await createProduct('Kettle');
  grinder = await createProduct('Grinder');
  // ProductCreated reaches inventory, which opens an empty stock row for each product.
  await vi.waitFor(async () => expect([await stockOf(kettle), await stockOf(grinder)]).toEqual([0, 0]), {
    timeout: 5_000,
  });
  const { errors } = await query('mutation ($id: ID!) { restock(productId: $id, quantity: 10) { stock } }', {
    id: kettle,
  });
  expect(errors).toBeUndefined();
}, 120_000);
afterAll(() => federation?.stop());

describe('choreographed order fulfilment across order, inventory and shipping', () => {
  it('confirms an order with enough stock, reduces stock exactly once and keeps its shipment pending', async () => {
    const before = await stockOf(kettle);
    const order = await placeOrder([{ productId: kettle, quantity: 3 }]);
    expect(order.status).toBe('PLACED');
    await vi.waitFor(
      async () =>
        expect(await orderState(order.id)).toEqual({ status: 'CONFIRMED', shipment: { status: 'PENDING' } }),
      { timeout: 15_000 },
    );
    expect(await stockOf(kettle)).toBe(before! - 3);
  });

  it('rejects an order with insufficient stock, changes no stock, and cancels its shipment (compensation)', async () => {
    const before = await stockOf(kettle);
    const order = await placeOrder([
      { productId: kettle, quantity: 2 },
      { productId: grinder, quantity: 1 },
    ]);
    await vi.waitFor(
      async () =>
        expect(await orderState(order.id)).toEqual({ status: 'REJECTED', shipment: { status: 'CANCELLED' } }),
      { timeout: 15_000 },
    );
    expect([await stockOf(kettle), await stockOf(grinder)]).toEqual([before, 0]);
  });
});
