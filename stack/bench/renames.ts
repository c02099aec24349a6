/**
 * Renames, STRONG against EVENTUAL: what `renameProduct` costs with two-phase commit through the
 * coordinator (STRONG) against the product's write plus its event (EVENTUAL), for a product in 20
 * and one in 2,000 order items; then both with the order service paused (SIGSTOP: connections
 * accepted, never answered, the hardest kind of down for a caller).
 *
 * How: the stack as separate processes on 4300–4307, databases `<service>_db_bench_renames`. Renames
 * go through the gateway one at a time, STRONG and EVENTUAL alternating (drift in the machine's load
 * hits both alike), each once the previous one has converged. Latency is the client's; convergence is
 * polled in SQL in the order service's database (every 2 ms) until every copy holds the new name.
 *
 *   npm run bench:renames              # about 1.5 minutes
 *   npm run bench:renames -- --quick   # 20 renames per case, to check the script itself
 *   npm run bench:renames -- --help    # every figure that can be set
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { graphqlRequest } from '@msd/testing';
import pg from 'pg';
import { benchSubgraphHeaders } from './gateway/benchSubgraphHeaders.ts';
import {
  type BenchRun,
  benchOptions,
  describeEnvironment,
  logger,
  publish,
  type ReportBlock,
  runBench,
  type Summary,
  stackCpuMeter,
  startBenchStack,
  summarize,
} from './harness/index.ts';
import { type Consistency, renameProbes } from './renames/renameProbes.ts';

const options = benchOptions(
  'npm run bench:renames -- [--quick] [--<figure> <value>]',
  {
    renames: 100,
    warmUp: 15,
    references: [20, 2_000],
    participantTimeoutMs: 2_000,
    pausedForMs: 5_000,
  },
  { renames: 20, warmUp: 5 },
);
const { config } = options;
const portBase = 4300;
const convergeTimeoutMs = 60_000;

interface Case {
  case: string;
  n: number;
  latencyMs: Summary;
  /** EVENTUAL: from the call's return until every copy holds the name. */
  convergeMs?: Summary;
  /** STRONG: copies holding another name when the call returned, over all calls (must be 0). */
  staleOnReturn: number;
}

interface OutageCall {
  references: number;
  consistency: Consistency;
  latencyMs: number;
  error?: Record<string, unknown> | undefined;
  /** STRONG: the owner's name and version, and every copy, unchanged by the failed call. */
  ownerUnchanged?: boolean;
  copiesUnchanged?: boolean;
  /** EVENTUAL: renamed at the owner; copies with the new name while the order service was down. */
  ownerChanged?: boolean;
  copiesNamedWhileDown?: number;
  convergeAfterResumeMs?: number;
}

async function measure(run: BenchRun) {
  const { stack, urls, bus } = await startBenchStack(run, {
    database: (service) => `${service}_db_bench_renames`,
    eventsPrefix: `bench-renames-${randomUUID()}`,
    portBase,
    env: { LOG_LEVEL: 'error', RENAME_PARTICIPANT_TIMEOUT_MS: String(config.participantTimeoutMs) },
  });
  // Registered after the stack: cleanup runs in reverse, so the order service resumes before the stop.
  run.cleanup.add('resuming the order service', () => stack.signal('order', 'SIGCONT'));
  const orderDb = new pg.Pool({ connectionString: urls.order, max: 2 });
  const productDb = new pg.Pool({ connectionString: urls.product, max: 2 });
  run.cleanup.add('closing database pools', () => Promise.all([orderDb.end(), productDb.end()]));
  const environment = await describeEnvironment(urls.product, bus, stackCpuMeter());
  const gateway = stack.gatewayUrl;
  const orderUrl = `http://127.0.0.1:${stack.ports.order}/graphql`;

  // Seed: product "REFS-<n>" in n order items, one item per order.
  const products = new Map<number, string>();
  for (const references of config.references) {
    const { data } = await graphqlRequest<{ createProduct: { id: string } }>(
      gateway,
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `REFS-${references}`, name: `Referenced ${references} times`, price: 10 } },
      { as: 'operator' },
    );
    if (!data) throw new Error('createProduct failed');
    products.set(references, data.createProduct.id);
  }
  const orders = Math.max(...config.references);
  let nextOrder = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (nextOrder < orders) {
        run.signal.throwIfAborted();
        const i = nextOrder++;
        const items = config.references
          .filter((references) => i < references)
          .map((references) => ({ productId: products.get(references), quantity: 1 }));
        const placed = await graphqlRequest(
          orderUrl,
          'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          { input: { customerId: `bench-${i}`, items } },
          { headers: benchSubgraphHeaders('order') },
        );
        if (placed.errors) throw new Error(`placeOrder failed: ${JSON.stringify(placed.errors)}`);
      }
    }),
  );
  const { copiesNamed, converged, rename } = renameProbes({
    gatewayUrl: gateway,
    orderDb,
    convergeTimeoutMs,
    signal: run.signal,
  });
  for (const [references, id] of products) {
    const { total } = await copiesNamed(id, '');
    if (total !== references) throw new Error(`expected ${references} copies, found ${total}`);
  }
  logger.info('seeded', { products: products.size, orders });

  const owner = async (productId: string) =>
    (
      await productDb.query<{ name: string; version: number }>(
        'SELECT name, version FROM products WHERE id = $1',
        [productId],
      )
    ).rows[0];
  // 1. Every service up.
  const cases: Case[] = [];
  for (const [references, id] of products) {
    const samples = { STRONG: [] as number[], EVENTUAL: [] as number[] };
    const convergeMs: number[] = [];
    let staleOnReturn = 0;
    for (let i = -config.warmUp; i < config.renames; i++) {
      for (const consistency of ['STRONG', 'EVENTUAL'] as const) {
        const name = `${consistency} ${references} #${i}`;
        const { response, latencyMs, returnedAt } = await rename(id, name, consistency);
        if (response.errors) throw new Error(`rename failed: ${JSON.stringify(response.errors)}`);
        const stale = consistency === 'STRONG' ? await copiesNamed(id, name) : undefined;
        const converge = consistency === 'EVENTUAL' ? await converged(id, name, returnedAt) : undefined;
        if (i < 0) continue;
        samples[consistency].push(latencyMs);
        if (stale) staleOnReturn += stale.total - stale.named;
        if (converge !== undefined) convergeMs.push(converge);
      }
    }
    cases.push(
      {
        case: `STRONG ${references}`,
        n: samples.STRONG.length,
        latencyMs: summarize(samples.STRONG),
        staleOnReturn,
      },
      {
        case: `EVENTUAL ${references}`,
        n: samples.EVENTUAL.length,
        latencyMs: summarize(samples.EVENTUAL),
        convergeMs: summarize(convergeMs),
        staleOnReturn: 0,
      },
    );
    logger.info('measured', { references });
  }

  // 2. The order service down: STRONG must fail within its timeout changing nothing; EVENTUAL
  // succeeds, and the copies converge once the order service is back.
  const outage: OutageCall[] = [];
  stack.signal('order', 'SIGSTOP');
  await sleep(200);
  for (const [references, id] of products) {
    const before = await owner(id);
    const { response, latencyMs } = await rename(id, `During the outage ${references}`, 'STRONG');
    const after = await owner(id);
    const copies = await copiesNamed(id, before?.name ?? '');
    outage.push({
      references,
      consistency: 'STRONG',
      latencyMs,
      error: response.errors?.[0]?.extensions,
      ownerUnchanged: after?.name === before?.name && after?.version === before?.version,
      copiesUnchanged: copies.named === copies.total,
    });
  }
  const pending: { call: OutageCall; id: string; name: string }[] = [];
  for (const [references, id] of products) {
    const name = `Eventual during the outage ${references}`;
    const { response, latencyMs } = await rename(id, name, 'EVENTUAL');
    const call: OutageCall = {
      references,
      consistency: 'EVENTUAL',
      latencyMs,
      error: response.errors?.[0]?.extensions,
      ownerChanged: (await owner(id))?.name === name,
      copiesNamedWhileDown: (await copiesNamed(id, name)).named,
    };
    outage.push(call);
    pending.push({ call, id, name });
  }
  await sleep(config.pausedForMs, undefined, { signal: run.signal });
  const resumedAt = performance.now();
  stack.signal('order', 'SIGCONT');
  for (const { call, id, name } of pending) call.convergeAfterResumeMs = await converged(id, name, resumedAt);
  await sleep(3_000, undefined, { signal: run.signal });
  const { rows } = await orderDb.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pending_renames WHERE state = 'PREPARED'",
  );
  return { environment, results: { cases, outage, undecidedAfterResume: rows[0]?.n ?? Number.NaN } };
}

type Results = Awaited<ReturnType<typeof measure>>['results'];

const ms = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(1)} ms`);

/** `CODE (participant order, timedOut, rolledBack)`: the error's code, participant and the flags set. */
const errorText = ({ code, participant, ...rest }: Record<string, unknown>) =>
  `${code} (${[
    participant && `participant ${participant}`,
    ...Object.keys(rest).filter((k) => rest[k] === true),
  ]
    .filter(Boolean)
    .join(', ')})`;

function report(r: Results): ReportBlock[] {
  return [
    '\nrenameProduct latency through the gateway (every service up)',
    {
      headers: ['case', 'n', 'p50', 'p99', 'copies equal to the owner'],
      rows: r.cases.map((c) => [
        c.case,
        c.n,
        ms(c.latencyMs.p50),
        ms(c.latencyMs.p99),
        c.convergeMs
          ? `${ms(c.convergeMs.p50)} (p50) / ${ms(c.convergeMs.p99)} (p99) after return`
          : `on return (${c.staleOnReturn} stale copies in ${c.n} calls)`,
      ]),
    },
    `\nWith the order service paused (SIGSTOP) for ${config.pausedForMs / 1000} s, participant timeout ${config.participantTimeoutMs} ms`,
    {
      headers: ['references', 'consistency', 'latency', 'error', 'data'],
      rows: r.outage.map((o) => [
        o.references,
        o.consistency,
        ms(o.latencyMs),
        o.error ? errorText(o.error) : 'none',
        o.consistency === 'STRONG'
          ? `owner unchanged: ${o.ownerUnchanged}, copies unchanged: ${o.copiesUnchanged}`
          : `renamed: ${o.ownerChanged}, ${o.copiesNamedWhileDown} copies renamed while down, converged ${ms(o.convergeAfterResumeMs)} after resuming`,
      ]),
    },
    `Order participant rows still PREPARED 3 s after resuming: ${r.undecidedAfterResume}`,
  ];
}

runBench('renames', { watchdogMs: 6 * 60_000 }, async (run) => {
  const { environment, results } = await measure(run);
  publish(run, options, environment, results, {
    title: 'Renames: STRONG (two-phase commit) against EVENTUAL (write + event)',
    blocks: report(results),
  });
});
