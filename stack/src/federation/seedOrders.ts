import { graphqlRequest } from '@msd/testing';

/**
 * Requests in flight at once: seeding waits on round trips more than on work. (A batch of
 * mutations in one request would be cheaper still, but outlasts the gateway's per-call budget on a
 * loaded machine.)
 */
const IN_FLIGHT = 3;

/**
 * Creates `products` products and `orders` orders of `itemsPerOrder` items through the gateway's
 * public API, spread so that every product is referenced by orders x itemsPerOrder / products items.
 */
export async function seedOrders(
  gatewayUrl: string,
  counts: { products: number; orders: number; itemsPerOrder: number },
  label = 'Product',
): Promise<{ productIds: string[]; orderIds: string[] }> {
  const productIds = await inParallel(counts.products, async (i) => {
    const { data, errors } = await graphqlRequest<{ createProduct: { id: string } }>(
      gatewayUrl,
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      {
        input: {
          sku: `${label}-${i}-${Math.random().toString(36).slice(2, 8)}`,
          name: `${label} ${i}`,
          price: i + 1,
        },
      },
      { as: 'operator' },
    );
    if (!data) throw new Error(`createProduct failed: ${JSON.stringify(errors)}`);
    return data.createProduct.id;
  });
  const orderIds = await inParallel(counts.orders, async (i) => {
    const items = Array.from({ length: counts.itemsPerOrder }, (_, k) => ({
      productId: productIds[(i * counts.itemsPerOrder + k) % counts.products],
      quantity: 1,
    }));
    const { data, errors } = await graphqlRequest<{ placeOrder: { id: string } }>(
      gatewayUrl,
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: `customer-${i}`, items } },
      { as: 'operator' },
    );
    if (!data) throw new Error(`placeOrder failed: ${JSON.stringify(errors)}`);
    return data.placeOrder.id;
  });
  return { productIds, orderIds };
}

/** `create(0)` to `create(count - 1)`, IN_FLIGHT at a time; the results in index order. */
async function inParallel(count: number, create: (i: number) => Promise<string>): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) ids[i] = await create(i);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return ids;
}
