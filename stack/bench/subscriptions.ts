/**
 * Subscriptions served by the gateway: what 1,000 open subscriptions cost it (memory, CPU at rest
 * with their heartbeats), how long a rename takes to reach all of them (commit → client, from the
 * product's `updatedAt`), and the latency of orderUpdated under a steady stream of orders (each
 * customer subscribes as soon as its placeOrder answers; placeOrder answered → CONFIRMED received).
 * The whole stack as processes (startBenchStack), subscriptions over multipart HTTP from this process.
 *
 *   npm run bench:subscriptions               # 1,000 open, 30 s of 10 orders/s (about 3 minutes)
 *   npm run bench:subscriptions -- --quick    # 200 open, 10 s of 5 orders/s
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { developmentToken } from '@msd/service-kit';
import { graphqlRequest, type HttpSubscription, subscribeOverHttp } from '@msd/testing';
import {
  benchOptions,
  cpuBetween,
  poll,
  round,
  runBench,
  type Summary,
  stackProcesses,
  startBenchStack,
  summarize,
} from './harness/index.ts';

const options = benchOptions(
  'npm run bench:subscriptions -- [--quick] [--<figure> <value>]',
  { open: 1_000, ordersPerSecond: 10, seconds: 30, restSeconds: 10 },
  { open: 200, ordersPerSecond: 5, seconds: 10, restSeconds: 5 },
);
const { config } = options;
const portBase = 4960;
const url = `http://127.0.0.1:${portBase}/graphql`;
const productUpdated = 'subscription ($id: ID!) { productUpdated(id: $id) { id name updatedAt } }';
const orderUpdated = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status } }';

runBench('subscriptions', { watchdogMs: 15 * 60_000, environment: process.env }, async (run) => {
  const loadBefore = loadavg();
  const bench = await startBenchStack(run, { portBase, env: { SUBSCRIPTIONS_PER_CALLER: '1000000' } });
  const as = { as: 'operator' as const };
  const create = async (name: string) => {
    const { data } = await graphqlRequest<{ createProduct: { id: string } }>(
      url,
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `${name}-${Date.now()}`, name, price: 1 } },
      as,
    );
    if (!data) throw new Error('createProduct failed');
    return data.createProduct.id;
  };
  const [ordered, followed] = [await create('Ordered'), await create('Followed')];
  // Stock to spare, once inventory holds the product (its ProductCreated applied).
  const restocked = await poll(
    () =>
      graphqlRequest(
        url,
        'mutation ($id: ID!) { restock(productId: $id, quantity: 1000000) { id } }',
        { id: ordered },
        as,
      ),
    (answer) => !answer.errors,
    { intervalMs: 250, timeoutMs: 30_000, signal: run.signal },
  );
  if (!restocked.met) throw new Error('inventory never held the product');

  const gatewayPid = [...stackProcesses()].find(([, name]) => name === 'gateway')?.[0];
  const rssMb = () =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gatewayPid}/status`, 'utf8'))?.[1]) / 1024;
  const cpu = bench.cpuMeter();
  const gatewayCpu = async () => {
    const from = cpu.snapshot();
    await sleep(config.restSeconds * 1000, undefined, { signal: run.signal });
    return cpuBetween(from, cpu.snapshot()).percentOfOneCore.gateway ?? Number.NaN;
  };

  // 1. At rest, then with `open` subscriptions open (anonymous, on a product no order touches).
  const rest = { rssMb: rssMb(), cpuPercent: await gatewayCpu() };
  const open: HttpSubscription[] = [];
  run.cleanup.add('closing subscriptions', () => {
    for (const subscription of open) subscription.close();
  });
  const openStart = performance.now();
  for (let i = 0; i < config.open; i += 50)
    open.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, config.open - i) }, () =>
          subscribeOverHttp(url, productUpdated, { id: followed }),
        ),
      )),
    );
  await Promise.all(open.map((subscription) => subscription.until((part) => part.payload !== undefined)));
  const openingMs = performance.now() - openStart;
  const held = { rssMb: rssMb(), cpuPercent: await gatewayCpu() };
  const per1000 = (value: number) => round((value * 1000) / config.open, 1);

  // 2. A rename of that product: commit (`updatedAt`) → each subscriber's payload.
  const { data: renamed } = await graphqlRequest<{ updateProduct: { updatedAt: string } }>(
    url,
    'mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Renamed" }) { updatedAt } }',
    { id: followed },
    as,
  );
  const committedAt = Date.parse(renamed?.updateProduct.updatedAt ?? '');
  const fanOut = await Promise.all(
    open.map(async (subscription) => {
      await subscription.until((part) => JSON.stringify(part.payload ?? {}).includes('"Renamed"'));
      return Date.now() - committedAt;
    }),
  );

  // 3. orderUpdated under load: `ordersPerSecond` customers each place an order and follow it.
  const latencies: number[] = [];
  let pushed = 0;
  let placeFailed = 0;
  let missed = 0;
  const follow = async (i: number) => {
    const customer = `bench-sub-${i}`;
    const token = await developmentToken('customer', customer);
    const { data } = await graphqlRequest<{ placeOrder: { id: string } }>(
      url,
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: customer, items: [{ productId: ordered, quantity: 1 }] } },
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (!data) return void placeFailed++;
    const placedAt = performance.now();
    const subscription = await subscribeOverHttp(
      url,
      orderUpdated,
      { id: data.placeOrder.id },
      { authorization: `Bearer ${token}` },
    );
    try {
      const status = (part: { payload?: { data?: Record<string, unknown> | null } | null }) =>
        (part.payload?.data?.orderUpdated as { status?: string } | undefined)?.status;
      const decided = subscription.until((part) => ['CONFIRMED', 'REJECTED'].includes(status(part) ?? ''));
      decided.catch(() => {}); // closed below after a miss
      let deadline: NodeJS.Timeout | undefined;
      const tooLate = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error('no decision pushed within 60 s')), 60_000);
      });
      await Promise.race([decided, tooLate]).finally(() => clearTimeout(deadline));
      latencies.push(performance.now() - placedAt);
      if (status(subscription.payloads()[0] ?? {}) === 'PLACED') pushed++;
    } catch {
      missed++;
    } finally {
      subscription.close();
    }
  };
  const following: Promise<void>[] = [];
  const loadFrom = cpu.snapshot();
  const total = config.ordersPerSecond * config.seconds;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, started + (i * 1000) / config.ordersPerSecond - performance.now()));
    following.push(follow(i));
  }
  await Promise.all(following);
  const underLoad = cpuBetween(loadFrom, cpu.snapshot());

  const results = {
    benchmark: 'subscriptions',
    quick: options.quick,
    config,
    at: new Date().toISOString(),
    loadavg: { before: loadBefore.map((n) => round(n, 2)), after: loadavg().map((n) => round(n, 2)) },
    openSubscriptions: {
      open: config.open,
      openingMs: Math.round(openingMs),
      gatewayRssMb: {
        rest: round(rest.rssMb),
        held: round(held.rssMb),
        per1000: per1000(held.rssMb - rest.rssMb),
      },
      gatewayCpuPercentOfOneCore: {
        rest: rest.cpuPercent,
        held: held.cpuPercent,
        per1000: per1000(held.cpuPercent - rest.cpuPercent),
      },
    },
    renameToEverySubscriber: summarize(fanOut) satisfies Summary,
    orderUpdatedUnderLoad: {
      placedToDecidedMs: summarize(latencies),
      pushedAfterPlaced: pushed,
      decidedBeforeSubscribing: latencies.length - pushed,
      placeOrderFailed: placeFailed,
      decisionNotPushedIn60s: missed,
      percentOfOneCore: underLoad.percentOfOneCore,
    },
  };
  console.log(JSON.stringify(results, null, 2));
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(options.standard ? 'subscriptions.json' : 'subscriptions-custom.json', dir);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${file.pathname}`);
});
