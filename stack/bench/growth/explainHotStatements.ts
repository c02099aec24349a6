/**
 * The plans of the statements the 3-hop read sends, at the data volume in the databases: the order
 * service's page of orders (an operator's, and a customer's own) and the items of that page, the
 * product service's products and inventory's stock levels of those items. The statements are the
 * services' own: their data functions are called with a client of that service's database, the SQL
 * and parameters they send are taken from Prisma's query events, and PostgreSQL explains exactly
 * that text with `EXPLAIN (ANALYZE, BUFFERS)` (pg_stat_statements needs a server preload this
 * shared server does not have).
 */
import { openInventoryDatabase } from '@msd/inventory-service/database';
import { findStockLevels } from '@msd/inventory-service/stockLevels';
import { openOrderDatabase } from '@msd/order-service/database';
import { findItemsByOrderIds, listOrders } from '@msd/order-service/orders';
import { openProductDatabase } from '@msd/product-service/database';
import { findProductsByIds } from '@msd/product-service/products';
import pg from 'pg';
import { round } from '../harness/index.ts';

export interface StatementPlan {
  service: 'order' | 'product' | 'inventory';
  statement: string;
  page: number;
  sql: string;
  /** Plan nodes, outermost first: `Limit`, `Index Scan using orders_pkey on orders`, … */
  nodes: string[];
  /** Rows the scan nodes read: returned plus removed by a filter. */
  rowsScanned: number;
  rowsReturned: number;
  /** Shared buffers hit + read (8 KiB pages). */
  buffers: number;
  planningMs: number;
  executionMs: number;
  /** `EXPLAIN (ANALYZE, BUFFERS)` as PostgreSQL prints it. */
  text: string;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

const scanned = (node: PlanNode): number =>
  (/Scan$/.test(node['Node Type']) && node['Node Type'] !== 'Bitmap Index Scan'
    ? (node['Actual Rows'] +
        (node['Rows Removed by Filter'] ?? 0) +
        (node['Rows Removed by Index Recheck'] ?? 0)) *
      node['Actual Loops']
    : 0) + (node.Plans ?? []).reduce((sum, child) => sum + scanned(child), 0);

const nodesOf = (node: PlanNode): string[] => [
  [
    node['Node Type'],
    node['Index Name'] && `using ${node['Index Name']}`,
    node['Relation Name'] && `on ${node['Relation Name']}`,
  ]
    .filter(Boolean)
    .join(' '),
  ...(node.Plans ?? []).flatMap(nodesOf),
];

interface Captured {
  sql: string;
  params: unknown[];
}

/** A service's client whose last statement is kept. */
function capturing<T>(open: (url: string) => T, url: string): { db: T; last: () => Captured } {
  const db = open(url);
  let last: Captured | undefined;
  (db as { $on(event: 'query', listener: (e: { query: string; params: string }) => void): void }).$on(
    'query',
    (e) => {
      last = { sql: e.query, params: JSON.parse(e.params) as unknown[] };
    },
  );
  return {
    db,
    last: () => {
      if (!last) throw new Error('no statement captured');
      return last;
    },
  };
}

async function explain(pool: pg.Pool, { sql, params }: Captured) {
  const client = await pool.connect();
  try {
    const text = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`,
      params,
    );
    const json = await client.query<{
      'QUERY PLAN': [{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }];
    }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
    const [top] = json.rows[0]?.['QUERY PLAN'] ?? [];
    if (!top) throw new Error(`no plan for ${sql}`);
    return {
      sql,
      nodes: nodesOf(top.Plan),
      rowsScanned: scanned(top.Plan),
      rowsReturned: top.Plan['Actual Rows'],
      buffers: top.Plan['Shared Hit Blocks'] + top.Plan['Shared Read Blocks'],
      planningMs: round(top['Planning Time'], 3),
      executionMs: round(top['Execution Time'], 3),
      // The id lists of `= ANY($1)` would fill pages: their length is what matters.
      text: text.rows
        .map((row) => row['QUERY PLAN'])
        .join('\n')
        .replace(/'\{([^}]*)\}'::uuid\[\]/g, (_, ids: string) => `'{${ids.split(',').length} ids}'::uuid[]`),
    };
  } finally {
    client.release();
  }
}

export interface HotStatementOptions {
  /** Each service's database URL. */
  urls: { order: string; product: string; inventory: string };
  pages: readonly number[];
  /** The id after which the operator's page starts (a deep page: keyset, not OFFSET). */
  after: string;
  /** The customer whose own orders are listed (first page). */
  customerId: string;
}

/** Explains the hot statements at each page size. */
export async function explainHotStatements(options: HotStatementOptions): Promise<StatementPlan[]> {
  const order = capturing(openOrderDatabase, options.urls.order);
  const product = capturing(openProductDatabase, options.urls.product);
  const inventory = capturing(openInventoryDatabase, options.urls.inventory);
  const pools = {
    order: new pg.Pool({ connectionString: options.urls.order, max: 1 }),
    product: new pg.Pool({ connectionString: options.urls.product, max: 1 }),
    inventory: new pg.Pool({ connectionString: options.urls.inventory, max: 1 }),
  };
  const plans: StatementPlan[] = [];
  const add = async (
    service: StatementPlan['service'],
    statement: string,
    page: number,
    captured: Captured,
  ) => plans.push({ service, statement, page, ...(await explain(pools[service], captured)) });
  try {
    for (const page of options.pages) {
      const orders = await listOrders(order.db, { take: page, afterId: options.after });
      await add('order', 'orders page (operator)', page, order.last());
      await listOrders(order.db, { take: page, afterId: undefined }, options.customerId);
      await add('order', "orders page (a customer's own)", page, order.last());
      const items = await findItemsByOrderIds(
        order.db,
        orders.map((o) => o.id),
      );
      await add('order', 'items of the page', page, order.last());
      const productIds = [...new Set(items.map((item) => item.productId))];
      await findProductsByIds(product.db, productIds);
      await add('product', 'products of the items', page, product.last());
      await findStockLevels(inventory.db, productIds);
      await add('inventory', 'stock of those products', page, inventory.last());
    }
    return plans;
  } finally {
    await Promise.all([
      order.db.$disconnect(),
      product.db.$disconnect(),
      inventory.db.$disconnect(),
      ...Object.values(pools).map((pool) => pool.end()),
    ]);
  }
}
