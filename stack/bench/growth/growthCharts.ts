/**
 * The growth report's charts (Vega-Lite, drawn by the harness's `writeCharts`): CPU per request
 * against the page and against the table, rows the hot statements read, and propagation against copies
 * per product.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CopiesLevel } from './copiesGrowth.ts';
import type { ReadGrowth } from './readGrowth.ts';

const width = 260;
const height = 200;
const logX = (field: string, title: string) =>
  ({ field, type: 'quantitative', title, scale: { type: 'log' }, axis: { grid: false } }) as const;

/** Every chart's specification, by file name (without `.svg`). */
export function growthChartSpecs(
  reads: ReadGrowth,
  copies: readonly CopiesLevel[],
): Record<string, TopLevelSpec> {
  const ordersAt = new Map(reads.volumes.map((v) => [v.scale, v.orders]));
  const readRows = reads.medians.map((m) => ({
    reader: m.reader === 'operator' ? 'operator: any page of all orders' : 'customer: its own first page',
    page: m.page,
    pageLabel: `${m.page} per page`,
    orders: ordersAt.get(m.scale) ?? 0,
    volume: `${(ordersAt.get(m.scale) ?? 0).toLocaleString('en')} orders (${m.scale}x)`,
    stackCpuMs: m.stackCpuMs,
  }));
  const maxPage = Math.max(...reads.plans.map((p) => p.page));
  const planRows = reads.plans
    .filter((p) => p.page === maxPage)
    .map((p) => ({
      statement: `${p.service}: ${p.statement}`,
      orders: ordersAt.get(p.scale) ?? 0,
      volume: `${(ordersAt.get(p.scale) ?? 0).toLocaleString('en')} orders (${p.scale}x)`,
      rows: Math.max(1, p.rowsScanned),
    }));
  /** Stack CPU per request of the 3-hop read against `x`, a line per `color`, a panel per reader. */
  const readChart = (against: string, x: object, color: object): TopLevelSpec => ({
    title: `3-hop read: stack CPU per request against ${against}`,
    data: { values: readRows },
    mark: { type: 'line', point: true },
    width,
    height,
    encoding: {
      column: { field: 'reader', type: 'nominal', title: null },
      x,
      y: { field: 'stackCpuMs', type: 'quantitative', title: 'CPU ms per request (all processes)' },
      color,
    },
  });
  const specs: Record<string, TopLevelSpec> = {
    'read-cpu-by-page': readChart(
      'the page',
      { field: 'page', type: 'quantitative', title: 'orders per page' },
      { field: 'volume', type: 'ordinal', title: 'data', sort: { field: 'orders' } },
    ),
    'read-cpu-by-volume': readChart('the table', logX('orders', 'orders in the database (log)'), {
      field: 'pageLabel',
      type: 'ordinal',
      title: 'page',
      sort: { field: 'page' },
    }),
    'statement-rows': {
      title: `Rows read by each statement of the read, page of ${maxPage}`,
      data: { values: planRows },
      mark: 'bar',
      width: 420,
      height,
      encoding: {
        x: { field: 'statement', type: 'nominal', title: null, axis: { labelAngle: -20, labelLimit: 220 } },
        xOffset: { field: 'volume', type: 'ordinal', sort: { field: 'orders' } },
        // symlog: bars start at zero, which a log scale cannot draw.
        y: {
          field: 'rows',
          type: 'quantitative',
          title: 'rows read by its scans (symlog scale)',
          scale: { type: 'symlog' },
        },
        color: { field: 'volume', type: 'ordinal', title: 'data', sort: { field: 'orders' } },
      },
    },
    'propagation-by-copies': {
      title: 'Propagation against copies per product',
      hconcat: [
        {
          data: {
            values: copies.flatMap((c) => [
              { copies: c.copies, percentile: 'p50', ms: c.lag.lagMs.p50 },
              { copies: c.copies, percentile: 'p99', ms: c.lag.lagMs.p99 },
            ]),
          },
          mark: { type: 'line', point: true },
          width,
          height,
          encoding: {
            x: logX('copies', 'copies per product (log)'),
            y: { field: 'ms', type: 'quantitative', title: 'lag of the copies, ms' },
            color: { field: 'percentile', type: 'nominal' },
          },
        },
        {
          data: {
            values: copies.map((c) => ({ copies: c.copies, rate: c.drain.drain.copyUpdatesPerSecond })),
          },
          mark: { type: 'line', point: true },
          width,
          height,
          encoding: {
            x: logX('copies', 'copies per product (log)'),
            y: { field: 'rate', type: 'quantitative', title: 'copy updates/s (consumer draining)' },
          },
        },
      ],
    },
  };
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      `growth-${name}`,
      { ...spec, config: { legend: { labelLimit: 0 } } } as TopLevelSpec,
    ]),
  );
}
