/**
 * Read your writes: sessions that rename a product (or a driver) and at once read the orders (or
 * rides) that copy its name, through the gateway, with the consistency token the rename returned
 * and without it. Reports stale reads each way (a copied name or a cached owner name older than
 * the session's own rename), p50/p99 of token reads against plain reads, and how token reads were
 * honoured (fresh, waited for the consumer, read from the owner, stale) — healthy, then with the
 * order and ride consumers paused.
 *
 * In-process federation (startTestFederation: every service, the gateway and its entity cache, on
 * real PostgreSQL and Redis), sessions one after another at `--parallel` at once; no other load.
 *
 *   npx tsx stack/bench/readYourWrites.ts            # about 2 minutes
 *   npx tsx stack/bench/readYourWrites.ts --quick    # a short run, to check the script
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { type EventConsumer, queueName } from '@msd/events';
import { defaultSubjects, developmentToken } from '@msd/service-kit';
import { graphqlRequest } from '@msd/testing';
import { seedOrders, startTestFederation } from '../src/index.ts';
import { benchOptions, runBench, type Summary, summarize } from './harness/index.ts';

const options = benchOptions(
  'npx tsx stack/bench/readYourWrites.ts -- [--quick] [--<figure> <value>]',
  { sessions: 200, parallel: 4, products: 8, drivers: 4 },
  { sessions: 20 },
);
const { config } = options;

type Outcome = 'fresh' | 'waited' | 'owner' | 'stale';
interface Read {
  /** The rename failed (an overloaded machine): the read is not counted. */
  failed?: boolean;
  ms: number;
  stale: boolean;
  outcome: Outcome | 'none';
}

runBench('read-your-writes', { watchdogMs: 20 * 60_000, environment: process.env }, async (run) => {
  const loadBefore = loadavg();
  const federation = await startTestFederation({
    events: true,
    resilience: Object.fromEntries(
      ['product', 'order', 'inventory', 'shipping', 'driver', 'ride'].map((name) => [
        name,
        { timeoutMs: 10_000 },
      ]),
    ),
  });
  run.cleanup.add('federation', () => federation.stop());
  const auth = `Bearer ${await developmentToken('operator', defaultSubjects.operator)}`;
  const { productIds } = await seedOrders(federation.gatewayUrl, {
    products: config.products,
    orders: config.products * 4,
    itemsPerOrder: 2,
  });
  const driverIds = await seedRides(federation.gatewayUrl, config.drivers);
  if (config.products < config.parallel || config.drivers < config.parallel)
    throw new Error('--products and --drivers must be at least --parallel: each worker renames its own');

  const send = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const started = performance.now();
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: auth,
        ...(token ? { 'x-consistency-token': token } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: a benchmark reads what it asked for
    const body = (await response.json()) as { data?: any; extensions?: any; errors?: unknown[] };
    return { ms: performance.now() - started, token: response.headers.get('x-consistency-token'), ...body };
  };

  /**
   * One session: a rename, then at once a read of what copies the name, with or without the token.
   * Worker `w` renames only its own products and drivers (index ≡ w modulo --parallel): a newer
   * name written by another session would count as stale here.
   */
  const session = async (w: number, k: number, withToken: boolean): Promise<Read> => {
    const driver = k % 2 === 1;
    const own = (ids: string[]) => ids.filter((_, index) => index % config.parallel === w);
    const mine = own(driver ? driverIds : productIds);
    const id = mine[Math.floor(k / 2) % mine.length];
    const i = w * config.sessions + k;
    const name = `${driver ? 'Driver' : 'Product'} ${i} ${withToken ? 'tokened' : 'plain'} ${Date.now()}`;
    const written = await send(
      driver
        ? 'mutation ($id: ID!, $name: String!) { updateDriver(id: $id, input: { name: $name }) { id } }'
        : 'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
      { id, name },
    );
    if (!written.data) return { failed: true, ms: 0, stale: false, outcome: 'none' };
    const read = await send(
      driver
        ? '{ rides(first: 100) { driverId driverName driver { name } } }'
        : '{ orders(first: 100) { items { productName product { id name } } } }',
      {},
      withToken ? (written.token ?? undefined) : undefined,
    );
    const names: string[] = driver
      ? (read.data?.rides ?? [])
          .filter((r: { driverId: string }) => r.driverId === id)
          .flatMap((r: { driverName: string; driver: { name: string } | null }) => [
            r.driverName,
            r.driver?.name,
          ])
      : (read.data?.orders ?? [])
          .flatMap((o: { items: unknown[] }) => o.items)
          .filter((item: { product: { id: string } | null }) => item.product?.id === id)
          .flatMap((item: { productName: string; product: { name: string } }) => [
            item.productName,
            item.product.name,
          ]);
    const report = Object.values(read.extensions?.consistency ?? {}) as Partial<Record<Outcome, number>>[];
    const had = (outcome: Outcome) => report.some((service) => (service[outcome] ?? 0) > 0);
    const outcome = had('stale')
      ? 'stale'
      : had('owner')
        ? 'owner'
        : had('waited')
          ? 'waited'
          : had('fresh')
            ? 'fresh'
            : 'none';
    return { ms: read.ms, stale: names.length === 0 || names.some((n) => n !== name), outcome };
  };

  const phase = async (label: string) => {
    let failedWrites = 0;
    const tokened: Read[] = [];
    const plain: Read[] = [];
    const worker = async (w: number) => {
      for (let k = 0; k < config.sessions / config.parallel; k++) {
        const a = await session(w, k, true);
        const b = await session(w, k, false);
        if (a.failed || b.failed) failedWrites++;
        else {
          tokened.push(a);
          plain.push(b);
        }
      }
    };
    await Promise.all(Array.from({ length: config.parallel }, (_, w) => worker(w)));
    const share = (outcome: Read['outcome']) =>
      Math.round((1000 * tokened.filter((r) => r.outcome === outcome).length) / tokened.length) / 10;
    return {
      phase: label,
      staleWithToken: tokened.filter((r) => r.stale).length,
      staleWithoutToken: plain.filter((r) => r.stale).length,
      reads: tokened.length,
      sessionsWithAFailedRename: failedWrites,
      tokenReadMs: summarize(tokened.map((r) => r.ms)) as Summary,
      plainReadMs: summarize(plain.map((r) => r.ms)) as Summary,
      sharePercent: {
        fresh: share('fresh'),
        waited: share('waited'),
        owner: share('owner'),
        stale: share('stale'),
        unnamed: share('none'),
      },
    };
  };

  const healthy = await phase('healthy');
  const consumers = [
    federation.subgraphs.order.server.background.find(
      (t) => (t as EventConsumer).queue === queueName('ProductUpdated', 'order'),
    ),
    federation.subgraphs.ride.server.background.find(
      (t) => (t as EventConsumer).queue === queueName('DriverUpdated', 'ride'),
    ),
  ] as EventConsumer[];
  await Promise.all(consumers.map((c) => c.stop()));
  const paused = await phase('order and ride consumers paused');
  await Promise.all(consumers.map((c) => c.start()));

  const results = {
    benchmark: 'read-your-writes',
    config,
    environment: { at: run.startedAt.toISOString(), cpus: cpus().length, loadBefore, loadAfter: loadavg() },
    phases: [healthy, paused],
  };
  for (const p of results.phases) {
    console.log(`\n${p.phase}: ${p.reads} reads right after a rename`);
    console.log(`  stale reads: with a token ${p.staleWithToken}, without ${p.staleWithoutToken}`);
    console.log(
      `  read ms p50/p99: with a token ${p.tokenReadMs.p50}/${p.tokenReadMs.p99}, plain ${p.plainReadMs.p50}/${p.plainReadMs.p99}`,
    );
    console.log(`  token reads honoured (%): ${JSON.stringify(p.sharePercent)}`);
  }
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(options.standard ? 'read-your-writes.json' : 'read-your-writes-custom.json', dir);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${file.pathname}`);
});

/** Drivers with two rides each, through the gateway. */
async function seedRides(gatewayUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { data } = await graphqlRequest<{ createDriver: { id: string } }>(
      gatewayUrl,
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      {
        input: {
          name: `Driver ${i}`,
          car: { make: 'Volvo', model: 'V70', color: 'red', plate: `RYW-${i}-${Date.now() % 100_000}` },
        },
      },
      { as: 'operator' },
    );
    if (!data) throw new Error('createDriver failed');
    const id = data.createDriver.id;
    ids.push(id);
    for (let r = 0; r < 2; r++)
      await graphqlRequest(
        gatewayUrl,
        'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
        { driverId: id },
        { as: 'operator' },
      );
  }
  return ids;
}
