/**
 * The 3-hop read at each data volume and page size, through the gateway, as an operator paging
 * through every order (keyset cursors spread over the table, so deep pages count as much as the
 * first) and as the customer with the most orders reading its own first page; then the plans of the
 * services' statements at that volume.
 */
import { developmentToken } from '@msd/service-kit';
import * as harness from '../harness/index.ts';
import { listRead, withProductAndStock } from '../reads.ts';
import { explainHotStatements, type StatementPlan } from './explainHotStatements.ts';
import { reseedDemo } from './reseed.ts';

export type Reader = 'operator' | 'customer';

export interface ReadConfig {
  scales: readonly number[];
  pages: readonly number[];
  connections: number;
  rounds: number;
  seconds: number;
  warmUpSeconds: number;
}

const query = (page: number, name: string) =>
  `query ${name}($after: String) { orders(first: ${page}, after: $after) { id total items { quantity productName product { name price stock } } } }`;

/** What one answer held: orders, items, distinct products, bytes. */
function shapeOf(body: string) {
  const list: { items: { product: unknown }[] }[] = JSON.parse(body).data?.orders ?? [];
  const items = list.flatMap((order) => order.items);
  return {
    orders: list.length,
    items: items.length,
    products: new Set(items.map((item) => JSON.stringify(item.product))).size,
    bytes: Buffer.byteLength(body),
  };
}

type Cell = { reader: Reader; page: number; headers: Record<string, string> } & Required<
  Pick<Parameters<typeof harness.closedLoop>[0], 'body' | 'check'>
>;

/** The operator's cursors: ids spread evenly over the table, each with a full page after it. */
function cursorsFor(ids: readonly string[], page: number, count = 32): (string | null)[] {
  const last = ids.length - page - 1;
  if (last < 0) return [null];
  return Array.from({ length: count }, (_, i) => ids[Math.round((i * last) / (count - 1))] ?? null);
}

function cellsAt(orderUrl: string, pages: readonly number[]) {
  return harness.withClient(orderUrl, async (db) => {
    const ids = (await db.query('SELECT id::text FROM orders ORDER BY id')).rows.map((r) => r.id as string);
    const top = (
      await db.query<{ customer: string; n: number }>(
        'SELECT customer_id AS customer, count(*)::int AS n FROM orders GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1',
      )
    ).rows[0];
    if (!top) throw new Error('no orders seeded');
    const operator = { authorization: `Bearer ${await developmentToken('operator')}` };
    const customer = { authorization: `Bearer ${await developmentToken('customer', top.customer)}` };
    const cells: Cell[] = [];
    for (const page of pages) {
      const cursors = cursorsFor(ids, page);
      let next = 0;
      cells.push({
        reader: 'operator',
        page,
        headers: operator,
        body: (c) =>
          JSON.stringify({
            query: query(page, `Orders${c}`),
            operationName: `Orders${c}`,
            variables: { after: cursors[next++ % cursors.length] },
          }),
        check: listRead('orders', Math.min(page, ids.length), withProductAndStock),
      });
      cells.push({
        reader: 'customer',
        page,
        headers: customer,
        body: (c) => JSON.stringify({ query: query(page, `MyOrders${c}`), operationName: `MyOrders${c}` }),
        check: listRead('orders', Math.min(page, top.n), withProductAndStock),
      });
    }
    return { cells, ids, customer: top };
  });
}

export async function measureReadGrowth(
  run: harness.BenchRun,
  bench: harness.BenchStack,
  cpu: harness.CpuMeter,
  config: ReadConfig,
) {
  const { gatewayUrl } = bench.stack;
  const phases: ReadPhase[] = [];
  const shapes: Shape[] = [];
  const plans: (StatementPlan & { scale: number })[] = [];
  const volumes: { scale: number; orders: number; customer: string; customerOrders: number; idle: object }[] =
    [];
  for (const scale of config.scales) {
    await reseedDemo(bench.urls, scale);
    const { cells, ids, customer } = await cellsAt(bench.urls.order, config.pages);
    const load = (cell: Cell, seconds: number) =>
      harness.closedLoop({
        ...cell,
        url: gatewayUrl,
        connections: config.connections,
        seconds,
        signal: run.signal,
      });
    harness.logger.info('warm-up (not measured)', { scale, seconds: config.warmUpSeconds });
    for (const cell of cells) await load(cell, config.warmUpSeconds);
    // After a warm-up at this volume, one answer of each cell, checked, for its shape.
    for (const cell of cells) {
      const answer = await harness.post(gatewayUrl, cell.body(0), { headers: cell.headers });
      const problem = answer.status === 200 ? cell.check(answer.body) : `HTTP ${answer.status}`;
      if (problem) throw new Error(`${cell.reader} page ${cell.page} at ${scale}x: ${problem}`);
      shapes.push({ scale, reader: cell.reader, page: cell.page, ...shapeOf(answer.body) });
    }
    const idle = (await harness.idleCpu(cpu, config.seconds * 1000, run.signal)).percentOfOneCore;
    volumes.push({
      scale,
      orders: ids.length,
      customer: customer.customer,
      customerOrders: customer.n,
      idle,
    });
    for (let r = 0; r < config.rounds; r++) {
      // Rotated per round: drift in the machine's load spreads over every cell alike.
      const order = cells.map((_, i) => cells[(i + r) % cells.length] as Cell);
      for (const cell of order) {
        harness.logger.info('phase', { scale, reader: cell.reader, page: cell.page, round: r + 1 });
        const measured = await harness.measuredLoad(cpu, idle, () => load(cell, config.seconds));
        phases.push({ scale, reader: cell.reader, page: cell.page, round: r + 1, ...measured });
      }
    }
    const middle = ids[Math.floor(ids.length / 2) - Math.max(...config.pages)] ?? ids[0];
    if (!middle) throw new Error('no cursor');
    for (const plan of await explainHotStatements({
      urls: bench.urls,
      pages: config.pages,
      after: middle,
      customerId: customer.customer,
    }))
      plans.push({ scale, ...plan });
  }
  return { volumes, shapes, phases, medians: mediansOf(phases, shapes), plans };
}

export type ReadGrowth = Awaited<ReturnType<typeof measureReadGrowth>>;

type ReadPhase = harness.MeasuredLoad & { scale: number; reader: Reader; page: number; round: number };
type Shape = ReturnType<typeof shapeOf> & { scale: number; reader: Reader; page: number };

/** Per volume, reader and page: the medians across rounds, with the answer's shape. */
function mediansOf(phases: readonly ReadPhase[], shapes: readonly Shape[]) {
  const keys = [...new Set(phases.map((p) => `${p.scale}|${p.reader}|${p.page}`))];
  return keys.map((key) => {
    const [scale, reader, page] = key.split('|');
    const mine = phases.filter((p) => `${p.scale}|${p.reader}|${p.page}` === key);
    const of = (pick: (p: ReadPhase) => number | undefined) => harness.medianOf(mine, pick);
    const shape = shapes.find((s) => `${s.scale}|${s.reader}|${s.page}` === key);
    const stackCpuMs = of((p) => p.stackCpuMs);
    // The answer's entities: orders, items, and the distinct products the product and inventory
    // services are asked for (capped by the catalog at small volumes, by the page at large ones).
    const entities = shape ? shape.orders + shape.items + shape.products : Number.NaN;
    return {
      scale: Number(scale),
      reader: reader as Reader,
      page: Number(page),
      requestsPerSecond: of((p) => p.requestsPerSecond),
      p50: of((p) => p.p50),
      p99: of((p) => p.p99),
      stackCpuMs,
      stackCpuUsPerEntity: harness.round((stackCpuMs * 1000) / entities, 1),
      cpuMs: Object.fromEntries(
        ['gateway', 'order', 'product', 'inventory', 'postgres (run)'].map((group) => [
          group,
          of((p) => p.cpuMsPerRequest[group] ?? 0),
        ]),
      ),
      failed: mine.reduce((sum, p) => sum + p.failed, 0),
      answer: shape,
    };
  });
}
