/**
 * The growth benchmark's data, replaced while the stack runs: the demo set at a scale, or products
 * each copied into a given number of order items. Written straight into each service's database
 * (no events: seeded orders are settled history, as the demo seed makes them), then ANALYZEd, as
 * autovacuum would after a load this size, so the planner sees the volume it is measured at.
 */
import type { ServiceName } from '@msd/registry';
import { seedDemoData } from '../../src/index.ts';
import { logger, withClient } from '../harness/index.ts';

/** The tables each service's demo rows live in (its event tables are left alone). */
const demoTables: Partial<Record<ServiceName, string>> = {
  product: 'products',
  inventory: 'stock_levels, stock_decisions',
  order: 'orders, order_items',
  shipping: 'shipments',
  driver: 'drivers',
  ride: 'rides',
};

async function emptyAndAnalyze(urls: Record<ServiceName, string>, fill: () => Promise<void>) {
  for (const [service, tables] of Object.entries(demoTables))
    await withClient(urls[service as ServiceName], (db) => db.query(`TRUNCATE ${tables} CASCADE`));
  await fill();
  for (const service of Object.keys(demoTables))
    await withClient(urls[service as ServiceName], (db) => db.query('ANALYZE'));
}

/** The demo set times `scale` (200 orders at 1x). */
export async function reseedDemo(urls: Record<ServiceName, string>, scale: number): Promise<void> {
  const started = performance.now();
  await emptyAndAnalyze(urls, () => seedDemoData(logger, (service) => urls[service], scale));
  logger.info('seeded', { scale, seconds: Math.round((performance.now() - started) / 1000) });
}

/**
 * `products` products, each copied into `copies` order items: `copies` orders of one item per
 * product. Returns the product ids.
 */
export async function reseedCopies(
  urls: Record<ServiceName, string>,
  products: number,
  copies: number,
): Promise<string[]> {
  let ids: string[] = [];
  await emptyAndAnalyze(urls, async () => {
    const rows = await withClient(urls.product, (db) =>
      db.query<{ id: string; name: string }>(
        `INSERT INTO products (id, sku, name, price_cents, version, updated_at)
         SELECT gen_random_uuid(), 'COPIES-' || i, 'Copied ' || i, 1000, 1, now()
         FROM generate_series(1, $1::int) AS i
         RETURNING id::text, name`,
        [products],
      ),
    );
    ids = rows.rows.map((row) => row.id);
    await withClient(urls.order, async (db) => {
      await db.query(
        `INSERT INTO orders (id, customer_id, status, settled_at)
         SELECT gen_random_uuid(), 'customer-' || i, 'CONFIRMED', now() FROM generate_series(1, $1::int) AS i`,
        [copies],
      );
      await db.query(
        `INSERT INTO order_items (id, order_id, position, product_id, product_name, product_version, unit_price_cents, quantity)
         SELECT gen_random_uuid(), o.id, p.position - 1, p.id, p.name, 1, 1000, 1
         FROM orders AS o CROSS JOIN unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS p(id, name, position)`,
        [ids, rows.rows.map((row) => row.name)],
      );
    });
  });
  logger.info('seeded copies', { products, copies });
  return ids;
}
