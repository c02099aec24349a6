import { badUserInput, isUuid, requireText } from '@msd/service-kit';
import type { OrderDatabase } from './data/database.ts';
import { insertOrder, type NewOrderItem, type OrderRecord } from './data/orders.ts';
import type { CatalogProduct, ProductCatalog } from './productCatalog.ts';

export interface PlaceOrderInput {
  customerId: string;
  items: { productId: string; quantity: number }[];
}

const MAX_ITEMS = 100;
const MAX_QUANTITY = 10_000;

/**
 * Duplication at write: the current name and price of every product are read from the product
 * service, then stored with the order (`productName` a copy, `unitPriceCents` a snapshot). Every
 * check runs before the single write, so a rejected order leaves nothing behind.
 */
export async function placeOrder(
  db: OrderDatabase,
  catalog: ProductCatalog,
  input: PlaceOrderInput,
): Promise<OrderRecord> {
  const customerId = requireText(input.customerId, 'customerId', 100);
  if (input.items.length === 0) throw badUserInput('An order needs at least one item', { field: 'items' });
  if (input.items.length > MAX_ITEMS)
    throw badUserInput(`An order has at most ${MAX_ITEMS} items`, { field: 'items' });
  const seen = new Set<string>();
  for (const [index, item] of input.items.entries()) {
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw badUserInput(`items[${index}].quantity must be between 1 and ${MAX_QUANTITY}`, {
        field: `items.${index}.quantity`,
      });
    }
    if (seen.has(item.productId)) {
      throw badUserInput(`Product "${item.productId}" appears twice; give it once with the total quantity`, {
        field: `items.${index}.productId`,
      });
    }
    seen.add(item.productId);
  }
  const valid = [...seen].filter(isUuid);
  const products =
    valid.length > 0 ? await catalog.currentProducts(valid) : new Map<string, CatalogProduct>();
  const items: NewOrderItem[] = [];
  const unknown: string[] = [];
  for (const { productId, quantity } of input.items) {
    const product = products.get(productId);
    if (!product) unknown.push(productId);
    else
      items.push({
        productId,
        productName: product.name,
        productVersion: product.version,
        unitPriceCents: Math.round(product.price * 100),
        quantity,
      });
  }
  if (unknown.length > 0) {
    throw badUserInput(`Unknown product id(s): ${unknown.join(', ')}`, {
      field: 'items',
      unknownProductIds: unknown,
    });
  }
  return insertOrder(db, customerId, items);
}
