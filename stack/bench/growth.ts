/**
 * How cost grows with the work: the 3-hop read against page and data volume (with the plans of
 * its statements), and propagation against copies per product. How:
 * stack/bench/README.md.
 *
 *   npm run bench:growth              # about 10 minutes (--quick: 1x and 10x, 20 and 200 copies)
 */
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { measureCopiesGrowth } from './growth/copiesGrowth.ts';
import { growthChartSpecs } from './growth/growthCharts.ts';
import { measureReadGrowth } from './growth/readGrowth.ts';
import * as harness from './harness/index.ts';

const options = harness.benchOptions(
  'npm run bench:growth -- [--quick] [--<figure> <value>]',
  {
    scales: [1, 10, 100],
    pages: [10, 50, 100],
    connections: 8,
    rounds: 3,
    seconds: 4,
    warmUpSeconds: 2,
    copies: [20, 200, 2_000],
    products: 20,
    lagRate: 10,
    lagSeconds: 10,
    drainRows: 200_000,
  },
  {
    scales: [1, 10],
    rounds: 1,
    seconds: 2,
    warmUpSeconds: 1,
    copies: [20, 200],
    lagSeconds: 3,
    drainRows: 20_000,
  },
);
const { config } = options;
const portBase = 4800;

harness.runBench('growth', { watchdogMs: 25 * 60_000, environment: process.env }, async (run) => {
  const bench = await harness.startBenchStack(run, {
    portBase,
    env: {
      // Every read reaches the product and inventory databases: their statements are what grows.
      ENTITY_CACHE: 'off',
      // 8 clients reading pages of 100 orders spend a caller's cost budget within a second; the
      // figures are of the read, not of HTTP 429s.
      RATE_LIMIT: 'off',
    },
  });
  const cpu = bench.cpuMeter();
  const environment = await harness.describeEnvironment(bench.urls.order, bench.bus, cpu);
  const reads = await measureReadGrowth(run, bench, cpu, config);
  const copies = await measureCopiesGrowth(run, bench, cpu, config);
  const charts = await harness.writeCharts(growthChartSpecs(reads, copies), options.standard);
  const results = {
    reads,
    copies,
    charts: charts.map((f) => path.relative(repoRoot, f)),
  };
  harness.publish(run, options, environment, results, {
    title: 'How cost grows with the work: the 3-hop read against page and volume; propagation against copies',
    blocks: report(results),
  });
});

type Reads = Awaited<ReturnType<typeof measureReadGrowth>>;

function report(r: {
  reads: Reads;
  copies: Awaited<ReturnType<typeof measureCopiesGrowth>>;
  charts: string[];
}): harness.ReportBlock[] {
  const ordersAt = new Map(r.reads.volumes.map((v) => [v.scale, v.orders]));
  return [
    `\nvolumes: ${r.reads.volumes.map((v) => `${v.scale}x = ${v.orders} orders (customer ${v.customer}: ${v.customerOrders})`).join('; ')}`,
    '\n3-hop read through the gateway (medians across rounds; CPU ms per request, net of idle)',
    harness.columns(r.reads.medians, {
      data: (m) => `${m.scale}x (${ordersAt.get(m.scale)} orders)`,
      reader: (m) => m.reader,
      page: (m) => m.page,
      'req/s': (m) => m.requestsPerSecond,
      'p50 ms': (m) => m.p50,
      'p99 ms': (m) => m.p99,
      'stack CPU': (m) => m.stackCpuMs,
      gateway: (m) => m.cpuMs.gateway,
      order: (m) => m.cpuMs.order,
      product: (m) => m.cpuMs.product,
      inventory: (m) => m.cpuMs.inventory,
      pg: (m) => m.cpuMs['postgres (run)'],
      'orders/items/products': (m) => `${m.answer?.orders}/${m.answer?.items}/${m.answer?.products}`,
      'µs per entity': (m) => m.stackCpuUsPerEntity,
      bytes: (m) => m.answer?.bytes,
      failed: (m) => m.failed,
    }),
    '\nhot statements (EXPLAIN ANALYZE, BUFFERS; operator page from the middle of the table)',
    harness.columns(r.reads.plans, {
      data: (p) => `${p.scale}x`,
      statement: (p) => `${p.service}: ${p.statement}`,
      page: (p) => p.page,
      plan: (p) => p.nodes.join(' > '),
      'rows read': (p) => p.rowsScanned,
      returned: (p) => p.rowsReturned,
      buffers: (p) => p.buffers,
      'exec ms': (p) => p.executionMs,
    }),
    '\npropagation against copies per product',
    harness.columns(r.copies, {
      copies: (c) => c.copies,
      'updates/s': (c) => c.lag.load.okPerSecond,
      'lag p50': (c) => c.lag.lagMs.p50,
      'lag p99': (c) => c.lag.lagMs.p99,
      'relay p99': (c) => c.lag.relayMs.p99,
      'delivery p99': (c) => c.lag.deliveryMs.p99,
      converged: (c) => (c.lag.converged ? `${c.lag.convergedMs} ms` : 'NO'),
      'drain events/s': (c) => c.drain.drain.eventsPerSecond,
      'copy updates/s': (c) => c.drain.drain.copyUpdatesPerSecond,
    }),
    `\ncharts: ${r.charts.join(', ')}`,
  ];
}
