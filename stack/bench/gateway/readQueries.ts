/**
 * The reads the gateway benchmark sends, each with what a complete answer holds. The demo set has
 * 200 orders of 1 to 5 items over 50 products, 100 rides over 20 drivers.
 */
import type { Check } from '../harness/index.ts';
import { listRead, withProductAndStock } from '../reads.ts';

export interface ReadQuery {
  name: 'threeHop' | 'catalog' | 'oneSubgraph' | 'rides';
  query: string;
  check: Check;
}

export const readQueries: readonly ReadQuery[] = [
  {
    name: 'threeHop',
    query: '{ orders(first: 100) { id total items { quantity productName product { name price stock } } } }',
    check: listRead('orders', 100, withProductAndStock),
  },
  {
    name: 'catalog',
    query: '{ products(first: 100) { name price stock } }',
    check: listRead('products', 50, (product) => typeof product.stock === 'number'),
  },
  {
    name: 'oneSubgraph',
    query: '{ orders(first: 100) { id status total createdAt items { productName unitPrice quantity } } }',
    check: listRead('orders', 100, (order) => order.items.length > 0),
  },
  {
    name: 'rides',
    query:
      '{ rides(first: 100) { id pickup dropoff driverName driver { name rating ratingCount car { make model color } } } }',
    check: listRead('rides', 100, (ride) => ride.driver?.name === ride.driverName),
  },
];
