import { graphqlRequest } from '@msd/testing';

/**
 * Creates `products` products and `orders` orders of `itemsPerOrder` items through the gateway's
 * public API, spread so that every product is referenced by orders x itemsPerOrder / products items.
 */
export async function seedOrders(
  gatewayUrl: string,
  counts: { products: number; orders: number; itemsPerOrder: number },
  label = 'Product',
): Promise<{ productIds: string[]; orderIds: string[] }> {
  const productIds: string[] = [];
  for (let i = 0; i < counts.products; i++) {
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
    productIds.push(data.createProduct.id);
  }
  const orderIds: string[] = [];
  for (let i = 0; i < counts.orders; i++) {
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
    orderIds.push(data.placeOrder.id);
  }
  return { productIds, orderIds };
}
