/**
 * The reads the gateway benchmarks send, each with what a complete answer holds. The demo set has
 * 200 orders of 1 to 5 items over 50 products, 100 rides over 20 drivers.
 */
import type { Check } from '../harness/index.ts';

export interface ReadQuery {
  name: 'threeHop' | 'catalog' | 'oneSubgraph' | 'rides';
  /** How it reads in a report. */
  label: string;
  query: string;
  /** The subgraph that can answer it alone (called directly for comparison), if one can. */
  subgraph?: string;
  check: Check;
}

interface Answer {
  data?: Record<string, Record<string, unknown>[] | undefined> | null;
  errors?: { message: string }[];
}

/** No errors, `rows` rows under `field`, and `complete` holds for each. */
const listOf =
  (field: string, rows: number, complete: (row: Record<string, unknown>) => boolean): Check =>
  (body) => {
    const answer = JSON.parse(body) as Answer;
    if (answer.errors?.length) return `error: ${answer.errors[0]?.message.slice(0, 60)}`;
    const list = answer.data?.[field];
    if (list?.length !== rows) return `${field}: ${list?.length}`;
    return list.every(complete) ? undefined : `incomplete ${field}`;
  };

type Item = { product: { name?: string; stock?: number | null } | null };

export const readQueries: readonly ReadQuery[] = [
  {
    name: 'threeHop',
    label: '3-hop: orders → items → product (product + inventory)',
    query: '{ orders(first: 100) { id total items { quantity productName product { name price stock } } } }',
    check: listOf('orders', 100, (order) =>
      (order.items as Item[]).every(
        (item) => typeof item.product?.name === 'string' && item.product.stock != null,
      ),
    ),
  },
  {
    name: 'catalog',
    label: '2-hop: products (product + inventory)',
    query: '{ products(first: 100) { name price stock } }',
    check: listOf('products', 50, (product) => typeof product.stock === 'number'),
  },
  {
    name: 'oneSubgraph',
    label: '1 subgraph: orders with their items (order only)',
    query: '{ orders(first: 100) { id status total createdAt items { productName unitPrice quantity } } }',
    subgraph: 'order',
    check: listOf('orders', 100, (order) => (order.items as unknown[]).length > 0),
  },
  {
    name: 'rides',
    label: 'rides with driver details (ride + driver)',
    query:
      '{ rides(first: 100) { id pickup dropoff driverName driver { name rating ratingCount car { make model color } } } }',
    check: listOf(
      'rides',
      100,
      (ride) => (ride.driver as { name?: string } | null)?.name === ride.driverName,
    ),
  },
];
