import { createTestDatabase, type TestDatabase } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrderDatabase, openOrderDatabase } from '../src/data/database.ts';
import { listOrders } from '../src/data/orders.ts';

// A page of orders costs the page, not the table: the plan of the statement `listOrders` sends reads
// only the rows it returns, at a volume where a scan or a sort would otherwise be chosen.
const customers = 20;
const ordersPerCustomer = 400;
const page = 20;

let database: TestDatabase;
let db: OrderDatabase;
let last: { sql: string; params: unknown[] } | undefined;

beforeAll(async () => {
  database = await createTestDatabase('order');
  db = openOrderDatabase(database.url);
  (db as unknown as { $on(e: 'query', f: (e: { query: string; params: string }) => void): void }).$on(
    'query',
    (e) => {
      last = { sql: e.query, params: JSON.parse(e.params) as unknown[] };
    },
  );
  // Customers' orders interleaved in id order, as orders arrive: each customer's are 1 in 20.
  await db.$executeRawUnsafe(
    `INSERT INTO orders (id, customer_id, status, created_at)
     SELECT uuid_in(lpad(to_hex(i), 32, '0')::cstring), 'customer-' || (i % ${customers}), 'CONFIRMED', now()
     FROM generate_series(1, ${customers * ordersPerCustomer}) AS i`,
  );
  await db.$executeRawUnsafe('ANALYZE orders');
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** The plan of the last statement sent, executed: its nodes, and the rows its scans read. */
async function planOfLast(): Promise<{ nodes: string[]; rowsRead: number }> {
  if (!last) throw new Error('no statement sent');
  const [row] = await db.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${last.sql}`,
    ...last.params,
  );
  const nodes: string[] = [];
  let rowsRead = 0;
  const walk = (node: PlanNode) => {
    nodes.push(`${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}`);
    if (node['Node Type'].endsWith('Scan'))
      rowsRead += node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0);
    for (const child of node.Plans ?? []) walk(child);
  };
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('no plan');
  walk(plan);
  return { nodes, rowsRead };
}

describe('a page of orders', () => {
  it("reads a customer's own page from an index in page order: no filter over others' orders, no sort", async () => {
    const first = await listOrders(db, { take: page, afterId: undefined }, 'customer-7');
    expect(first).toHaveLength(page);
    expect((await planOfLast()).rowsRead).toBeLessThanOrEqual(page + 1);

    const next = await listOrders(db, { take: page, afterId: first.at(-1)?.id }, 'customer-7');
    const plan = await planOfLast();
    expect(plan.nodes).toContain('Index Scan orders_customer_id_id_idx');
    expect(plan.nodes).not.toContain('Sort');
    expect(plan.rowsRead).toBeLessThanOrEqual(page + 1);
    // Keyset pages follow each other: no order twice, none skipped, all the customer's.
    expect((next[0]?.id ?? '') > (first.at(-1)?.id ?? '')).toBe(true);
    expect(new Set([...first, ...next].map((o) => o.id)).size).toBe(2 * page);
    expect([...first, ...next].every((o) => o.customerId === 'customer-7')).toBe(true);
  });

  it("reads an operator's page deep in the table from the primary key, as cheap as the first", async () => {
    const all = await listOrders(db, { take: page, afterId: '00000000-0000-0000-0000-000000000fa0' });
    expect(all).toHaveLength(page);
    const plan = await planOfLast();
    expect(plan.nodes).toContain('Index Scan orders_pkey');
    expect(plan.rowsRead).toBeLessThanOrEqual(page + 1);
  });
});
