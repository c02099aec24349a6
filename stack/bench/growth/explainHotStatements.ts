/**
 * The plans of the statements the 3-hop read sends, at the volume in the databases: the services'
 * own data functions are called, the SQL and parameters Prisma sends taken from its query events, and
 * exactly that explained with `EXPLAIN (ANALYZE, BUFFERS)`.
 */
import { openInventoryDatabase } from '@msd/inventory-service/database';
import { findStockLevels } from '@msd/inventory-service/stockLevels';
import { openOrderDatabase } from '@msd/order-service/database';
import { findItemsByOrderIds, listOrders } from '@msd/order-service/orders';
import { openProductDatabase } from '@msd/product-service/database';
import { findProductsByIds } from '@msd/product-service/products';
import { round, withClient } from '../harness/index.ts';

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
  let last: Captured = { sql: 'no statement captured', params: [] };
  (db as { $on(event: 'query', listener: (e: { query: string; params: string }) => void): void }).$on(
    'query',
    (e) => {
      last = { sql: e.query, params: JSON.parse(e.params) as unknown[] };
    },
  );
  return { db, last: () => last };
}

/** `EXPLAIN (ANALYZE, BUFFERS)` of a statement: its plan nodes (outermost first), rows its scans read, buffers, times, text. */
function explain(url: string, { sql, params }: Captured) {
  return withClient(url, async (client) => {
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
  });
}

export type StatementPlan = {
  service: 'order' | 'product' | 'inventory';
  statement: string;
  page: number;
} & Awaited<ReturnType<typeof explain>>;

/**
 * Explains the hot statements at each page size: the operator's page after `after` (a deep page:
 * keyset, not OFFSET), the customer's own first page, the page's items, products and stock.
 */
export async function explainHotStatements(options: {
  urls: { order: string; product: string; inventory: string };
  pages: readonly number[];
  after: string;
  customerId: string;
}) {
  const order = capturing(openOrderDatabase, options.urls.order);
  const product = capturing(openProductDatabase, options.urls.product);
  const inventory = capturing(openInventoryDatabase, options.urls.inventory);
  const plans: StatementPlan[] = [];
  const add = async (
    service: 'order' | 'product' | 'inventory',
    statement: string,
    page: number,
    captured: Captured,
  ) => plans.push({ service, statement, page, ...(await explain(options.urls[service], captured)) });
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
    await Promise.all([order.db.$disconnect(), product.db.$disconnect(), inventory.db.$disconnect()]);
  }
}
