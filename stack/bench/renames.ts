/**
 * The price of consistency, measured: `renameProduct` STRONG (two-phase commit through the
 * coordinator) against EVENTUAL (the product's write plus its event) for a product referenced by 20
 * and by 2,000 order items, then both with the order service down (its process paused with
 * SIGSTOP: connections are accepted and never answered, the hardest kind of down for a caller).
 * Real processes (`launchStack`), real PostgreSQL and Redis. It measures and reports; it asserts
 * nothing.
 *
 *   npm run bench:renames              # about 1.5 minutes
 *   npm run bench:renames -- --quick   # fewer renames, to check the script itself
 *
 * Latency is the client's: from sending the mutation to the gateway to its answer. Convergence is
 * read in SQL from the order service's database (how many copies hold the new name), polled.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceName } from '@msd/registry';
import { graphqlRequest } from '@msd/testing';
import pg from 'pg';
import {
  Cleanup,
  logger,
  machine,
  percentile,
  runBench,
  sleep,
  startBenchStack,
  writeResults,
} from './harness.ts';

const quick = process.argv.includes('--quick');
const config = {
  portBase: 4300,
  renames: quick ? 20 : 100,
  warmUp: quick ? 5 : 15,
  references: [20, 2_000],
  participantTimeoutMs: 2_000,
  pausedForMs: 5_000,
  convergeTimeoutMs: 60_000,
};

const benchDatabase = (service: ServiceName) => `${service}_db_bench_renames`;

type Consistency = 'STRONG' | 'EVENTUAL';
interface Sample {
  latencyMs: number;
  /** EVENTUAL: from the call's return until every copy holds the name. */
  convergeMs?: number;
  /** STRONG: copies holding another name when the call returned (must be 0). */
  staleOnReturn?: number;
}

/** The p-th percentile (0–100) of unsorted values. */
const percentileOf = (values: number[], p: number) =>
  percentile(
    [...values].sort((a, b) => a - b),
    p / 100,
  );
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');

async function main() {
  const startedAt = new Date();
  const cleanup = new Cleanup();
  try {
    const { stack, urls } = await startBenchStack({
      database: benchDatabase,
      eventsPrefix: `bench-renames-${randomUUID()}`,
      portBase: config.portBase,
      env: { LOG_LEVEL: 'error', RENAME_PARTICIPANT_TIMEOUT_MS: String(config.participantTimeoutMs) },
      cleanup,
    });
    // Registered after the stack: cleanup runs in reverse, so the order service resumes before the stop.
    cleanup.add('resuming the order service', () => stack.signal('order', 'SIGCONT'));
    const orderDb = new pg.Pool({ connectionString: urls.order, max: 2 });
    const productDb = new pg.Pool({ connectionString: urls.product, max: 2 });
    cleanup.add('closing database pools', () => Promise.all([orderDb.end(), productDb.end()]));
    const gateway = stack.gatewayUrl;
    const orderUrl = `http://127.0.0.1:${stack.ports.order}/graphql`;

    // Seed: product "refs-20" in 20 order items, "refs-2000" in 2,000 (one item per order).
    const products: Record<number, string> = {};
    for (const references of config.references) {
      const { data } = await graphqlRequest<{ createProduct: { id: string } }>(
        gateway,
        'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
        { input: { sku: `REFS-${references}`, name: `Referenced ${references} times`, price: 10 } },
      );
      if (!data) throw new Error('createProduct failed');
      products[references] = data.createProduct.id;
    }
    const maxReferences = Math.max(...config.references);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < maxReferences) {
          const i = next++;
          const items = config.references
            .filter((references) => i < references)
            .map((references) => ({ productId: products[references], quantity: 1 }));
          const placed = await graphqlRequest(
            orderUrl,
            'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
            { input: { customerId: `bench-${i}`, items } },
            { asService: true },
          );
          if (placed.errors) throw new Error(`placeOrder failed: ${JSON.stringify(placed.errors)}`);
        }
      }),
    );
    for (const references of config.references) {
      const { rows } = await orderDb.query(
        'SELECT count(*)::int AS n FROM order_items WHERE product_id = $1',
        [products[references]],
      );
      if (rows[0].n !== references) throw new Error(`expected ${references} copies, found ${rows[0].n}`);
    }
    logger.info('seeded', { products: config.references.length, orders: maxReferences });

    const copiesNamed = async (productId: string, name: string) => {
      const { rows } = await orderDb.query(
        'SELECT count(*) FILTER (WHERE product_name = $2)::int AS named, count(*)::int AS total FROM order_items WHERE product_id = $1',
        [productId, name],
      );
      return rows[0] as { named: number; total: number };
    };
    const ownerName = async (productId: string) =>
      (await productDb.query('SELECT name, version FROM products WHERE id = $1', [productId])).rows[0] as {
        name: string;
        version: number;
      };
    const waitConverged = async (productId: string, name: string, since: number) => {
      for (;;) {
        const { named, total } = await copiesNamed(productId, name);
        if (named === total) return performance.now() - since;
        if (performance.now() - since > config.convergeTimeoutMs) return Number.NaN;
        await sleep(2);
      }
    };
    const rename = async (id: string, name: string, consistency: Consistency) => {
      const started = performance.now();
      const response = await graphqlRequest<{ renameProduct: { id: string; version: number } }>(
        gateway,
        'mutation ($id: ID!, $name: String!, $c: Consistency!) { renameProduct(id: $id, name: $name, consistency: $c) { id version } }',
        { id, name, c: consistency },
      );
      return { response, latencyMs: performance.now() - started, returnedAt: performance.now() };
    };

    // 1. Latency with every service up. STRONG and EVENTUAL alternate, so drift in the machine's
    // load affects both alike; each rename starts once the previous one has fully converged.
    const results: Record<string, Sample[]> = {};
    for (const references of config.references) {
      const id = products[references] as string;
      for (let i = -config.warmUp; i < config.renames; i++) {
        for (const consistency of ['STRONG', 'EVENTUAL'] as const) {
          const name = `${consistency} ${references} #${i}`;
          const { response, latencyMs, returnedAt } = await rename(id, name, consistency);
          if (response.errors) throw new Error(`rename failed: ${JSON.stringify(response.errors)}`);
          const sample: Sample = { latencyMs };
          if (consistency === 'STRONG') {
            const { named, total } = await copiesNamed(id, name);
            sample.staleOnReturn = total - named;
          } else {
            sample.convergeMs = await waitConverged(id, name, returnedAt);
          }
          const key = `${consistency} ${references}`;
          if (i >= 0) results[key] = [...(results[key] ?? []), sample];
        }
      }
      logger.info('measured', { references });
    }

    // 2. The order service down (paused): STRONG must fail within its timeout changing nothing;
    // EVENTUAL succeeds, and the copies converge once the order service is back.
    const outage: Record<string, unknown>[] = [];
    stack.signal('order', 'SIGSTOP');
    await sleep(200);
    for (const references of config.references) {
      const id = products[references] as string;
      const before = await ownerName(id);
      const name = `During the outage ${references}`;
      const { response, latencyMs } = await rename(id, name, 'STRONG');
      const after = await ownerName(id);
      const copies = await copiesNamed(id, before.name);
      outage.push({
        references,
        consistency: 'STRONG',
        latencyMs,
        error: response.errors?.[0]?.extensions,
        ownerUnchanged: after.name === before.name && after.version === before.version,
        copiesUnchanged: copies.named === copies.total,
      });
    }
    const pending: { references: number; id: string; name: string }[] = [];
    for (const references of config.references) {
      const id = products[references] as string;
      const name = `Eventual during the outage ${references}`;
      const { response, latencyMs } = await rename(id, name, 'EVENTUAL');
      outage.push({
        references,
        consistency: 'EVENTUAL',
        latencyMs,
        error: response.errors?.[0]?.extensions,
        ownerChanged: (await ownerName(id)).name === name,
        copiesNamedWhileDown: (await copiesNamed(id, name)).named,
      });
      pending.push({ references, id, name });
    }
    await sleep(config.pausedForMs);
    const resumedAt = performance.now();
    stack.signal('order', 'SIGCONT');
    for (const { references, id, name } of pending) {
      const entry = outage.find((o) => o.references === references && o.consistency === 'EVENTUAL');
      if (entry) entry.convergeAfterResumeMs = await waitConverged(id, name, resumedAt);
    }
    await sleep(3_000);
    const { rows: undecided } = await orderDb.query(
      "SELECT count(*)::int AS n FROM pending_renames WHERE state = 'PREPARED'",
    );

    // Report.
    const table = Object.entries(results).map(([key, samples]) => {
      const latencies = samples.map((s) => s.latencyMs);
      const converge = samples.flatMap((s) => (s.convergeMs === undefined ? [] : [s.convergeMs]));
      return {
        case: key,
        n: samples.length,
        p50: percentileOf(latencies, 50),
        p99: percentileOf(latencies, 99),
        convergeP50: converge.length ? percentileOf(converge, 50) : undefined,
        convergeP99: converge.length ? percentileOf(converge, 99) : undefined,
        staleOnReturn: samples.reduce((sum, s) => sum + (s.staleOnReturn ?? 0), 0),
      };
    });
    console.log('\nrenameProduct latency through the gateway (every service up)');
    console.log('case             n    p50        p99        copies converged after return (p50 / p99)');
    for (const row of table) {
      console.log(
        `${row.case.padEnd(16)} ${String(row.n).padEnd(4)} ${ms(row.p50).padEnd(10)} ${ms(row.p99).padEnd(10)} ${
          row.convergeP50 === undefined
            ? `already, on return (copies stale on return: ${row.staleOnReturn})`
            : `${ms(row.convergeP50)} / ${ms(row.convergeP99 ?? Number.NaN)}`
        }`,
      );
    }
    console.log('\nWith the order service paused (SIGSTOP)');
    for (const row of outage) console.log(JSON.stringify(row));
    console.log(`order participant rows still PREPARED 3 s after resuming: ${undecided[0].n}`);

    const file = writeResults('renames', startedAt, {
      config,
      machine: machine(),
      table,
      outage,
      undecidedAfterResume: undecided[0].n,
    });
    console.log(`\nraw results: ${file}`);
  } finally {
    await cleanup.run();
  }
}

runBench(main);
