import type { GraphQLResolveInfo } from '@msd/service-kit';
import type { OrderContext } from './context.ts';
import type { OrderItemRecord } from './data/orders.ts';
import { productNameCopy } from './data/productNameCopy.ts';

/**
 * `OrderItem.productName` as the caller's consistency token requires: the copy when it reflects
 * the product version the caller wrote, else the copy once the ProductUpdated consumer applied it,
 * else the product service's name (the call placing an order makes), else the copy marked stale.
 */
export function freshProductName(
  item: OrderItemRecord,
  _: unknown,
  { consistency, freshness, productCatalog }: OrderContext,
  info: GraphQLResolveInfo,
): Promise<string> | string {
  const key = `product:${item.productId}`;
  if (!consistency.required.has(key)) return item.productName;
  return consistency.read({
    key,
    copy: { value: item.productName, version: item.productVersion },
    path: info.path,
    awaitCopy: async (version, timeoutMs) =>
      freshness?.awaitVersion(productNameCopy, item.productId, version, timeoutMs),
    readOwner: async () => {
      const product = (await productCatalog.currentProducts([item.productId])).get(item.productId);
      return product && { value: product.name, version: product.version };
    },
  });
}
