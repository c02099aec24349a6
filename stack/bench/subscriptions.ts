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
import { setTimeout as sleep } from 'node:timers/promises';
import { developmentToken } from '@msd/service-kit';
import { graphqlRequest, type HttpSubscription, subscribeOverHttp } from '@msd/testing';
import * as harness from './harness/index.ts';

const options = harness.benchOptions(
  'npm run bench:subscriptions -- [--quick] [--<figure> <value>]',
  { open: 1_000, ordersPerSecond: 10, seconds: 30, restSeconds: 10 },
  { open: 200, ordersPerSecond: 5, seconds: 10, restSeconds: 5 },
);
const { config } = options;
const portBase = 4960;
const url = `http://127.0.0.1:${portBase}/graphql`;
const productUpdated = 'subscription ($id: ID!) { productUpdated(id: $id) { id name updatedAt } }';
const orderUpdated = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status } }';

harness.runBench('subscriptions', { watchdogMs: 15 * 60_000, environment: process.env }, async (run) => {
  const bench = await harness.startBenchStack(run, {
    portBase,
    env: { SUBSCRIPTIONS_PER_CALLER: '1000000' },
  });
  const [ordered, followed] = await harness.stockedProducts(run, url, ['Ordered', 'Followed']);
  const cpu = bench.cpuMeter();
  const environment = await harness.describeEnvironment(bench.urls.product, bench.bus, cpu);

  const gatewayPid = bench.stack.pids().gateway;
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(harness.procFile(gatewayPid, 'status'))?.[1]) / 1024;
  const gatewayCpu = async () =>
    (await harness.idleCpu(cpu, config.restSeconds * 1000, run.signal)).percentOfOneCore.gateway ??
    Number.NaN;

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
  const per1000 = (value: number) => harness.round((value * 1000) / config.open, 1);

  // 2. A rename of that product: commit (`updatedAt`) → each subscriber's payload.
  const { data: renamed } = await graphqlRequest<{ updateProduct: { updatedAt: string } }>(
    url,
    'mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Renamed" }) { updatedAt } }',
    { id: followed },
    { as: 'operator' },
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
    // No decision pushed within 60 s: closed, and `until` rejects.
    const deadline = setTimeout(() => subscription.close(), 60_000);
    try {
      const status = (part: { payload?: { data?: Record<string, unknown> | null } | null }) =>
        (part.payload?.data?.orderUpdated as { status?: string } | undefined)?.status;
      await subscription.until((part) => ['CONFIRMED', 'REJECTED'].includes(status(part) ?? ''));
      latencies.push(performance.now() - placedAt);
      if (status(subscription.payloads()[0] ?? {}) === 'PLACED') pushed++;
    } catch {
      missed++;
    } finally {
      clearTimeout(deadline);
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
  const underLoad = harness.cpuBetween(loadFrom, cpu.snapshot());

  const results = {
    openSubscriptions: {
      open: config.open,
      openingMs: Math.round(openingMs),
      gatewayRssMb: {
        rest: harness.round(rest.rssMb),
        held: harness.round(held.rssMb),
        per1000: per1000(held.rssMb - rest.rssMb),
      },
      gatewayCpuPercentOfOneCore: {
        rest: rest.cpuPercent,
        held: held.cpuPercent,
        per1000: per1000(held.cpuPercent - rest.cpuPercent),
      },
    },
    renameToEverySubscriber: harness.summarize(fanOut),
    orderUpdatedUnderLoad: {
      placedToDecidedMs: harness.summarize(latencies),
      pushedAfterPlaced: pushed,
      decidedBeforeSubscribing: latencies.length - pushed,
      placeOrderFailed: placeFailed,
      decisionNotPushedIn60s: missed,
      percentOfOneCore: underLoad.percentOfOneCore,
    },
  };
  const { openSubscriptions: o, renameToEverySubscriber: fan, orderUpdatedUnderLoad: u } = results;
  harness.publish(run, options, environment, results, {
    title: 'Subscriptions served by the gateway',
    blocks: [
      `${o.open} open: gateway memory +${o.gatewayRssMb.per1000} MB and CPU +${o.gatewayCpuPercentOfOneCore.per1000} % of one core per 1,000`,
      `rename → every subscriber: p50 ${fan.p50} ms, p99 ${fan.p99} ms`,
      `orderUpdated, placed → decided: p50 ${u.placedToDecidedMs.p50} ms, p99 ${u.placedToDecidedMs.p99} ms; ${u.decisionNotPushedIn60s} not pushed, ${u.placeOrderFailed} placeOrder failed of ${total}`,
    ],
  });
});
