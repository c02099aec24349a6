/**
 * Gateways side by side over the same subgraphs and supergraph: ours (several settings), stock
 * @apollo/gateway, Hive Gateway (three settings), the subgraph called directly, and the floor of the
 * 3-hop read (this process, raw SQL, JSON.stringify). How: stack/bench/README.md.
 *
 *   npm run bench:gateway                  # about 5 minutes (--quick: one round of 2 s)
 *   npm run bench:gateway -- --profile 1   # every process under node --cpu-prof (for DevTools or speedscope)
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import pg from 'pg';
import { benchSubgraphHeaders } from './gateway/benchSubgraphHeaders.ts';
import { type ReadQuery, readQueries } from './gateway/readQueries.ts';
import * as harness from './harness/index.ts';

const options = harness.benchOptions(
  'npm run bench:gateway -- [--quick] [--profile 1] [--<figure> <value>]',
  { connections: 10, rounds: 3, seconds: 3, warmUpSeconds: 2, profile: 0 },
  { rounds: 1, seconds: 2, warmUpSeconds: 1 },
);
const { config } = options;
const portBase = 4600;

interface Target {
  name: string;
  /** Where its requests go; the floor has no URL: it builds the answer in this process. */
  url?: string;
  read?: () => Promise<string>;
  /** Its CPU group and process, when a gateway is in the path. */
  group?: string;
  pid?: number;
  headers?: Record<string, string>;
  /** Only these reads. */
  only?: readonly ReadQuery['name'][];
}

/** The committed supergraph for the other routers: the run's subgraph URLs, and security purposes they refuse removed. */
function supergraphForOthers(ports: Record<string, number>): string {
  let sdl = readFileSync(path.join(repoRoot, 'supergraph', 'supergraph.graphql'), 'utf8');
  // Stock @apollo/gateway refuses `for: SECURITY` features it does not enforce (authenticated,
  // requiresScopes, policy); our gateway enforces them and hands @apollo/gateway the same text.
  sdl = sdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/[^"]+"[^)]*?),\s*for: SECURITY/g,
    '$1',
  );
  sdl = sdl.replace(
    /@join__graph\(name: "(\w+)", url: "[^"]+"\)/g,
    (_, name: string) => `@join__graph(name: "${name}", url: "http://127.0.0.1:${ports[name]}/graphql")`,
  );
  const file = path.join(os.tmpdir(), `msd-bench-supergraph-${randomUUID()}.graphql`);
  writeFileSync(file, sdl);
  return file;
}

/** rchar + wchar of a process: every byte it read or wrote through syscalls, sockets included. */
function ioBytes(pid: number | undefined): number {
  const io = harness.procFile(pid, 'io');
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1] ?? 0);
  return field('rchar') + field('wchar');
}

/**
 * The floor of the 3-hop read: its answer built by this process with four prepared statements
 * against the three databases (orders and their items, then products and stock levels side by
 * side) and one JSON.stringify: no GraphQL, no HTTP hop. What the data itself costs to read and send.
 */
function floorRead(run: harness.BenchRun, urls: { order: string; product: string; inventory: string }) {
  const [order, product, inventory] = [urls.order, urls.product, urls.inventory].map(
    (connectionString) => new pg.Pool({ connectionString, max: 4 }),
  ) as [pg.Pool, pg.Pool, pg.Pool];
  run.cleanup.add('closing the floor pools', () =>
    Promise.all([order, product, inventory].map((p) => p.end())),
  );
  return async () => {
    const orders = await order.query<{ id: string }>({
      name: 'floor-orders',
      text: 'SELECT id FROM orders ORDER BY id LIMIT 100',
    });
    const orderIds = orders.rows.map((row) => row.id);
    const items = await order.query<{
      order_id: string;
      product_id: string;
      product_name: string;
      unit_price_cents: number;
      quantity: number;
    }>({
      name: 'floor-items',
      text: `SELECT order_id, product_id, product_name, unit_price_cents, quantity FROM order_items
             WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position`,
      values: [orderIds],
    });
    const productIds = [...new Set(items.rows.map((row) => row.product_id))];
    const [products, stock] = await Promise.all([
      product.query<{ id: string; name: string; price_cents: number }>({
        name: 'floor-products',
        text: 'SELECT id, name, price_cents FROM products WHERE id = ANY($1::uuid[])',
        values: [productIds],
      }),
      inventory.query<{ product_id: string; quantity: number }>({
        name: 'floor-stock',
        text: 'SELECT product_id, quantity FROM stock_levels WHERE product_id = ANY($1::uuid[])',
        values: [productIds],
      }),
    ]);
    const stockOf = new Map(stock.rows.map((row) => [row.product_id, row.quantity]));
    const productOf = new Map(
      products.rows.map((p) => [
        p.id,
        { name: p.name, price: p.price_cents / 100, stock: stockOf.get(p.id) ?? null },
      ]),
    );
    const itemsOf = Map.groupBy(items.rows, (row) => row.order_id);
    const data = orderIds.map((id) => {
      const rows = itemsOf.get(id) ?? [];
      return {
        id,
        total: rows.reduce((cents, row) => cents + row.unit_price_cents * row.quantity, 0) / 100,
        items: rows.map((row) => ({
          quantity: row.quantity,
          productName: row.product_name,
          product: productOf.get(row.product_id) ?? null,
        })),
      };
    });
    return JSON.stringify({ data: { orders: data } });
  };
}

async function startOthers(run: harness.BenchRun, bench: harness.BenchStack) {
  const supergraphPath = supergraphForOthers(bench.stack.ports);
  run.cleanup.add('removing the supergraph copy', () => rmSync(supergraphPath, { force: true }));
  const answersTypename = (port: number) =>
    fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(2_000),
    }).then((response) => response.ok);
  const ours = 'gateway/src/index.ts';
  const hive = 'stack/bench/gateway/hiveGateway.ts';
  const supergraph = { SUPERGRAPH_PATH: supergraphPath };
  const others: [
    name: string,
    entry: string,
    port: number,
    env: Record<string, string>,
    only?: Target['only'],
  ][] = [
    ['ours, cache off', ours, 4610, { ENTITY_CACHE: 'off' }],
    // Like for like: request collapsing (on by default in ours) against Hive's deduplication.
    ['ours, collapsing off', ours, 4615, { SUBGRAPH_COLLAPSE: 'off' }],
    // The two reads that load the gateway most.
    ['ours, 2 workers', ours, 4614, { GATEWAY_WORKERS: '2' }, ['threeHop', 'catalog']],
    ['stock @apollo/gateway', 'stack/bench/gateway/stockApolloGateway.ts', 4611, supergraph],
    ['Hive Gateway', hive, 4612, supergraph],
    ['Hive Gateway (Rust planner)', hive, 4613, { ...supergraph, HIVE_ROUTER_RUNTIME: 'true' }],
    ['Hive Gateway, deduplication on', hive, 4616, { ...supergraph, HIVE_DEDUPLICATION: 'on' }],
  ];
  const targets: Target[] = [];
  for (const [name, entry, port, env, only] of others) {
    // The other routers have no /ready: they are ready when they answer.
    const isReady = entry === ours ? {} : { isReady: answersTypename };
    const pid = await harness.startProcessBeside(run, bench, { name, entry, port, env, ...isReady });
    const url = `http://127.0.0.1:${port}/graphql`;
    targets.push({ name, url, group: name, ...(pid ? { pid } : {}), ...(only ? { only } : {}) });
  }
  return targets;
}

async function measure(run: harness.BenchRun) {
  const bench = await harness.startBenchStack(run, {
    portBase,
    demoData: true,
    profile: config.profile === 1,
    env: { ENTITY_CACHE: 'on' },
  });
  const { stack, profileDir } = bench;
  const others = await startOthers(run, bench);
  const ourPid = stack.pids().gateway;
  const serviceUrl = `http://127.0.0.1:${stack.ports.order}/graphql`;
  const targets: Target[] = [
    { name: 'ours', url: stack.gatewayUrl, group: 'gateway', ...(ourPid ? { pid: ourPid } : {}) },
    ...others,
    {
      name: 'order subgraph, direct',
      url: serviceUrl,
      headers: benchSubgraphHeaders('order'),
      only: ['oneSubgraph'],
    },
    // Its CPU is this process's and PostgreSQL's: the stack's processes idle meanwhile.
    { name: 'floor', read: floorRead(run, bench.urls), group: 'bench', only: ['threeHop'] },
  ];
  const cpu = bench.cpuMeter();
  const environment = await harness.describeEnvironment(bench.urls.order, bench.bus, cpu);
  const targetsOf = (query: ReadQuery) => targets.filter((t) => !t.only || t.only.includes(query.name));
  // One operation name per client (`query ThreeHop3 { … }`): a router may merge identical upstream
  // requests in flight (Hive Gateway does by default), and 10 clients sending one text would measure
  // that instead of the read. Every client's fetches differ; each client's own are sequential.
  const bodyOf = (query: ReadQuery, client = 0) => {
    const name = `${query.name[0]?.toUpperCase()}${query.name.slice(1)}${client}`;
    return JSON.stringify({ query: `query ${name} ${query.query}`, operationName: name });
  };
  const load = async (target: Target, query: ReadQuery, seconds: number): Promise<harness.LoadStats> => {
    if (target.url)
      return harness.closedLoop({
        url: target.url,
        connections: config.connections,
        seconds,
        body: (client) => bodyOf(query, client),
        ...(target.headers ? { headers: target.headers } : {}),
        check: query.check,
        signal: run.signal,
      });
    // The floor: as many answers at a time as the clients above.
    const [read, latencies, start] = [
      target.read as () => Promise<string>,
      [] as number[],
      performance.now(),
    ];
    const client = async () => {
      for (let t = start; t - start < seconds * 1000; t = performance.now()) {
        await read();
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: config.connections }, client));
    const requests = latencies.length;
    return {
      requests,
      ok: requests,
      non200: 0,
      problems: {},
      latencies,
      elapsedMs: performance.now() - start,
    };
  };

  harness.logger.info('warm-up (not measured)', { seconds: config.warmUpSeconds });
  for (const query of readQueries)
    for (const target of targetsOf(query)) await load(target, query, config.warmUpSeconds);

  // Each answer's size, and a check that every target gives a complete answer (warm: a cold start on a
  // loaded machine may run over a subgraph's time budget).
  const answerBytes: Record<string, Record<string, number>> = {};
  for (const query of readQueries) {
    const bytes: Record<string, number> = {};
    answerBytes[query.name] = bytes;
    for (const target of targetsOf(query)) {
      const answer = target.read
        ? { status: 200, body: await target.read() }
        : await harness.post(target.url ?? '', bodyOf(query), { headers: target.headers ?? {} });
      const problem = answer.status === 200 ? query.check(answer.body) : `HTTP ${answer.status}`;
      if (problem) throw new Error(`${target.name} answers ${query.name} wrongly: ${problem}`);
      bytes[target.name] = Buffer.byteLength(answer.body);
    }
  }

  const phases: (harness.MeasuredLoad & {
    round: number;
    query: ReadQuery['name'];
    target: string;
    gatewayCpuMs: number | undefined;
    gatewayIoBytes: number | undefined;
  })[] = [];
  // The processes' own work with no request at all (relays polling, queue workers, timers), per
  // round: subtracted from every phase, so a slower gateway is not charged more of it per request.
  const idlePhases: { round: number; percentOfOneCore: Record<string, number> }[] = [];
  for (let r = 0; r < config.rounds; r++) {
    harness.logger.info('phase', { round: r + 1, idle: config.seconds });
    const idle = (await harness.idleCpu(cpu, config.seconds * 1000, run.signal)).percentOfOneCore;
    idlePhases.push({ round: r + 1, percentOfOneCore: idle });
    for (const query of readQueries) {
      const list = targetsOf(query);
      for (const target of list.map((_, i) => list[(i + r) % list.length] as Target)) {
        harness.logger.info('phase', { round: r + 1, query: query.name, gateway: target.name });
        const io = ioBytes(target.pid);
        const measured = await harness.measuredLoad(cpu, idle, () => load(target, query, config.seconds));
        const ioUsed = ioBytes(target.pid) - io;
        const perRequest = measured.cpuMsPerRequest;
        phases.push({
          round: r + 1,
          query: query.name,
          target: target.name,
          ...measured,
          gatewayCpuMs: target.group ? perRequest[target.group] : undefined,
          // Net of idle, the gateways beside the one measured count (close to) nothing; the floor's
          // own process is the benchmark's.
          stackCpuMs: harness.round(measured.stackCpuMs + (target.read ? (perRequest.bench ?? 0) : 0), 2),
          gatewayIoBytes: target.pid ? harness.round(ioUsed / Math.max(1, measured.requests), 0) : undefined,
        });
      }
    }
  }

  const medians = readQueries.map((query) => ({
    query: query.name,
    targets: targetsOf(query).map((target) => {
      const mine = phases.filter((p) => p.query === query.name && p.target === target.name);
      const of = (pick: (p: (typeof phases)[number]) => number | undefined) => harness.medianOf(mine, pick);
      return {
        target: target.name,
        requestsPerSecond: of((p) => p.requestsPerSecond),
        p50: of((p) => p.p50),
        p99: of((p) => p.p99),
        gatewayCpuMs: of((p) => p.gatewayCpuMs),
        stackCpuMs: of((p) => p.stackCpuMs),
        answerBytes: answerBytes[query.name]?.[target.name],
        gatewayIoBytes: of((p) => p.gatewayIoBytes),
        failed: mine.reduce((sum, p) => sum + p.failed, 0),
      };
    }),
  }));
  const figure = (query: string, target: string) =>
    medians.find((m) => m.query === query)?.targets.find((t) => t.target === target);
  const ratio = (a = Number.NaN, b = Number.NaN) => harness.round(a / b, 2);
  // Never slower than stock on any read: at least 1.1x its requests/s and at most 0.9x its gateway
  // CPU per request (0.7x on the 3-hop read); the 3-hop stack within 5x the floor.
  const goals = readQueries.map(({ name }) => {
    const ours = figure(name, 'ours');
    const stock = figure(name, 'stock @apollo/gateway');
    const throughput = ratio(ours?.requestsPerSecond, stock?.requestsPerSecond);
    const gatewayCpu = ratio(ours?.gatewayCpuMs, stock?.gatewayCpuMs);
    const cpuGoal = name === 'threeHop' ? 0.7 : 0.9;
    return {
      query: name,
      throughputOverStock: throughput,
      gatewayCpuOverStock: gatewayCpu,
      gatewayCpuGoal: cpuGoal,
      met: throughput >= 1.1 && gatewayCpu <= cpuGoal,
    };
  });
  const stackOverFloor = ratio(
    figure('threeHop', 'ours')?.stackCpuMs,
    figure('threeHop', 'floor')?.stackCpuMs,
  );
  // The profiles are written as each process exits.
  if (profileDir) await stack.stop();
  const results = {
    queries: Object.fromEntries(readQueries.map((q) => [q.name, q.query])),
    phases,
    idlePhases,
    medians,
    goals,
    floorGoal: { stackOverFloor, met: stackOverFloor <= 5 },
    profileDir,
  };
  return { environment, results };
}

type Results = Awaited<ReturnType<typeof measure>>['results'];

function report(r: Results): harness.ReportBlock[] {
  return [
    ...r.medians.flatMap((m) => [
      `\n${m.query}: ${r.queries[m.query]}`,
      harness.columns(m.targets, {
        gateway: (t) => t.target,
        'req/s': (t) => t.requestsPerSecond,
        'p50 ms': (t) => t.p50,
        'p99 ms': (t) => t.p99,
        'gateway CPU ms/req': (t) => t.gatewayCpuMs,
        'stack CPU ms/req': (t) => t.stackCpuMs,
        'answer bytes': (t) => t.answerBytes,
        'gateway I/O bytes/req': (t) => t.gatewayIoBytes,
        failed: (t) => t.failed,
      }),
    ]),
    '\ngoals, ours against stock @apollo/gateway (medians of alternating rounds, one run):',
    harness.columns(r.goals, {
      read: (g) => g.query,
      'req/s ratio (goal >= 1.1)': (g) => g.throughputOverStock,
      'gateway CPU ratio': (g) => g.gatewayCpuOverStock,
      'CPU goal <=': (g) => g.gatewayCpuGoal,
      met: (g) => g.met,
    }),
    `3-hop stack CPU per request / floor's: ${r.floorGoal.stackOverFloor} (goal <= 5: ${r.floorGoal.met ? 'met' : 'MISSED'})`,
    ...(r.profileDir ? [`\nCPU profiles (open in Chrome DevTools or speedscope): ${r.profileDir}`] : []),
  ];
}

harness.runBench('gateway', { watchdogMs: 20 * 60_000, environment: process.env }, async (run) => {
  const { environment, results } = await measure(run);
  harness.publish(run, options, environment, results, {
    title: `Gateways side by side: ${config.connections} closed-loop clients, ${config.rounds} round(s) × ${config.seconds} s per gateway and read, order rotated per round; medians`,
    blocks: report(results),
  });
});
