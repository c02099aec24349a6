/**
 * The trade-offs tables, printed by the run, and docs/tradeoffs.md written from a run's published
 * results with the same tables: how it was measured, on what, the charts, and the answers to the
 * design's questions with the run's numbers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { type Cell, columns, type ReportBlock, type Table } from '../harness/index.ts';
import { isStackGroup, stackCpuMs } from '../harness/machine.ts';
import { markdownTable, type Published, resultsDir } from '../harness/report.ts';
import { round } from '../harness/stats.ts';
import type { AnswerKind } from '../reads.ts';
import {
  type PhaseResult,
  type Scenario,
  type ScenarioMedians,
  type Situation,
  scenarioShortNames,
  scenarios,
  type TradeoffsResults,
} from './tradeoffsResults.ts';

/** `complete 100 %`, or each kind that occurred with its share. */
export function answersText(answers: Record<AnswerKind, number>): string {
  const total = answers.complete + answers.degraded + answers.refused;
  if (total === 0) return 'no answer';
  return (Object.entries(answers) as [AnswerKind, number][])
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => {
      const share = (100 * n) / total;
      return `${kind} ${share < 1 || (share > 99 && share < 100) ? share.toFixed(1) : Math.round(share)} %`;
    })
    .join(', ');
}

const ms = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '–' : `${value}`);

/** How fresh the name a caller gets, or the copies a rename leaves, are: measured where it can be. */
function freshness(r: TradeoffsResults, scenario: Scenario, phase?: PhaseResult): string {
  if (phase && phase.answers.complete + phase.answers.degraded === 0) return '–';
  if (phase && phase.answers.complete === 0) return 'no name: the field is null, with an error at its path';
  const lag = r.propagation.healthy.lagMs;
  switch (scenario) {
    case 'read.sync':
      return "the owner's current value";
    case 'read.copy':
      return `behind the owner by the propagation lag (p50 ${ms(lag.p50)} ms, p99 ${ms(lag.p99)} ms)`;
    case 'read.cache':
      return 'until the owner’s event invalidates the entry (same lag)';
    case 'hybrid.sync':
      return "driverName: the ride's copy (DriverUpdated lag); details: the owner's current value";
    case 'hybrid.cache':
      return "driverName: the ride's copy; details: until DriverUpdated invalidates the entry";
    case 'rename.strong':
      return `every copy current on return (${r.strongOnReturn.staleCopies} stale in ${r.strongOnReturn.renames} checked)`;
    case 'rename.eventual':
      return phase?.situation === 'order down'
        ? `copies stale while the order service is down (lag p50 ${ms(r.propagation.orderDown.lagMs.p50)} ms)`
        : `copies current after p50 ${ms(lag.p50)} ms, p99 ${ms(lag.p99)} ms`;
  }
}

/** One row of the trade-offs table: a healthy scenario's medians, or an outage phase. */
type Row = Omit<ScenarioMedians, 'rounds' | 'cpuMsPerRequest'> & { situation: string; phase?: PhaseResult };
const fromMedians = (m: ScenarioMedians): Row => ({ situation: 'healthy', ...m });
const fromPhase = (p: PhaseResult): Row => ({ ...p, p50: p.latencyMs.p50, p99: p.latencyMs.p99, phase: p });

/** The trade-offs table: every way healthy (medians across rounds), then each with the owner and the copy holder down. */
export function tradeoffsTable(r: TradeoffsResults): Table {
  const rows = [
    ...r.medians.map(fromMedians),
    ...r.phases.filter((p) => p.situation !== 'healthy').map(fromPhase),
  ];
  return columns(rows, {
    situation: (x) => x.situation,
    way: (x) => scenarios[x.scenario],
    answers: (x) => answersText(x.answers),
    'p50 ms': (x) => x.p50,
    'p99 ms': (x) => x.p99,
    'req/s': (x) => x.requestsPerSecond,
    'CPU ms/req': (x) => x.stackCpuMsPerRequest,
    'calls/req': (x) => x.callsPerRequest,
    'events/req': (x) => x.eventsPerRequest,
    freshness: (x) => freshness(r, x.scenario, x.phase),
  });
}

/** Process groups as the CPU table shows them: the busy ones by name, the rest together. */
export const cpuGroups = [
  'gateway',
  'gateway (cache off)',
  'coordinator',
  'product',
  'order',
  'inventory',
  'driver',
  'ride',
  'postgres (run)',
  'redis',
] as const;

export const otherStackMs = (perRequest: Record<string, number>) =>
  Object.entries(perRequest)
    .filter(([group]) => !(cpuGroups as readonly string[]).includes(group) && isStackGroup(group))
    .reduce((sum, [, value]) => sum + value, 0);

/** CPU ms per request of each process group, healthy medians. */
export function cpuTable(r: TradeoffsResults): Table {
  return columns(r.medians, {
    way: (m) => scenarios[m.scenario],
    ...Object.fromEntries(
      cpuGroups.map((group) => [group, (m: ScenarioMedians): Cell => m.cpuMsPerRequest[group]]),
    ),
    'the rest': (m) => round(otherStackMs(m.cpuMsPerRequest), 2),
    stack: (m) => m.stackCpuMsPerRequest,
  });
}

export function storageTable(r: TradeoffsResults): Table {
  const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
  return columns(r.storage.copies, {
    copy: (c) => c.copy,
    copies: (c) => c.copies,
    'copy bytes': (c) => c.copyBytes,
    'bytes/copy': (c) => c.bytesPerCopy,
    "owner's field bytes": (c) => `${c.ownerFieldBytes} (${c.ownerRows} rows)`,
    'copies / owner': (c) => c.copiesOverOwner,
    'owner-id index KiB': (c) => kb(c.ownerIdIndexBytes),
    'inbox KiB (rows)': (c) => `${kb(c.inboxBytes)} (${c.inboxRows})`,
    'copy_sources KiB': (c) => kb(c.copySourcesBytes),
    "owner's outbox KiB (rows)": (c) => `${kb(c.ownerOutboxBytes)} (${c.ownerOutboxRows})`,
  });
}

export const readYourWritesTable = (r: TradeoffsResults): Table =>
  columns(r.readYourWrites ?? [], {
    situation: (x) => x.situation,
    reads: (x) => x.reads,
    'stale with token': (x) => x.staleWithToken,
    'stale without': (x) => x.staleWithoutToken,
    'token read p50/p99 ms': (x) => `${x.tokenReadMs.p50} / ${x.tokenReadMs.p99}`,
    'plain read p50/p99 ms': (x) => `${x.plainReadMs.p50} / ${x.plainReadMs.p99}`,
    'honoured: fresh / waited / owner / stale %': (x) =>
      `${x.sharePercent.fresh} / ${x.sharePercent.waited} / ${x.sharePercent.owner} / ${x.sharePercent.stale}`,
    'failed writes': (x) => x.sessionsWithAFailedWrite,
  });

export const deferTable = (r: TradeoffsResults): Table =>
  columns(r.defer ?? [], {
    situation: (x) => x.situation,
    rounds: (x) => x.rounds,
    '@defer first payload p50/p99 ms': (x) => `${x.firstPayloadMs.p50} / ${x.firstPayloadMs.p99}`,
    '@defer last payload p50/p99 ms': (x) => `${x.lastPayloadMs.p50} / ${x.lastPayloadMs.p99}`,
    'without @defer p50/p99 ms': (x) => `${x.withoutDeferMs.p50} / ${x.withoutDeferMs.p99}`,
    'non-200': (x) => x.failed,
  });

/** The printed report: the table, then CPU, calls, propagation and storage. */
export function tradeoffsReport(r: TradeoffsResults): ReportBlock[] {
  return [
    `data: ${r.data.products} products, ${r.data.orders} orders (${r.data.orderItems} items), ${r.data.rides} rides over ${r.data.drivers} drivers; renamed: ${r.renamedProducts.map((p) => `${p.copies} copies`).join(', ')}`,
    '\nThe trade-offs (healthy rows: medians across rounds; "down" rows: one phase with that service paused)',
    tradeoffsTable(r),
    '\nCPU ms per request by process (healthy medians)',
    cpuTable(r),
    '\nRead your writes',
    readYourWritesTable(r),
    '\nThe hybrid read with @defer',
    deferTable(r),
    '\nStorage taken by copies',
    storageTable(r),
    `entity cache: ${r.storage.entityCache.keys} keys, ${r.storage.entityCache.bytes} bytes in Redis`,
  ];
}

/** Healthy phases with answers other than complete: said, with the latency that explains them. */
function refusedWhileHealthy(r: TradeoffsResults): string {
  const phases = r.phases.filter((p) => p.situation === 'healthy' && p.answers.complete < p.requests);
  if (phases.length === 0) return '';
  return ` Not every healthy answer was complete: ${phases
    .map(
      (p) =>
        `${p.requests - p.answers.complete} of ${p.requests} in round ${p.round} of "${p.scenario}" (${Object.keys(p.problems).join(', ')}; that phase's max latency ${p.latencyMs.max} ms)`,
    )
    .join(
      '; ',
    )}. The gateway gives each subgraph call a 1 s budget; on a loaded machine a slow answer runs over it.`;
}

const idlePercent = (r: TradeoffsResults) => stackCpuMs(r.idleCpu.percentOfOneCore);

const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** The page's text for a run. */
export function tradeoffsPage(
  published: Published<TradeoffsResults>,
  charts: readonly string[],
  resultsFile: string,
  pageDir: string,
): string {
  const resultsPath = path.relative(repoRoot, resultsFile);
  const r = published.results;
  const e = published.environment;
  const config = published.config as Record<string, number>;
  const m = (scenario: Scenario) => {
    const found = r.medians.find((x) => x.scenario === scenario);
    if (!found) throw new Error(`no medians for ${scenario}`);
    return found;
  };
  const whole = (situation: Situation) =>
    r.phases
      .filter((p) => p.situation === situation && p.requests > 0 && p.answers.complete === p.requests)
      .map((p) => `*${scenarioShortNames[p.scenario]}*`)
      .join(', ') || 'none';
  const [sync, copy, cache, strong, eventual] = [
    m('read.sync'),
    m('read.copy'),
    m('read.cache'),
    m('rename.strong'),
    m('rename.eventual'),
  ];
  const lag = r.propagation.healthy;
  const orderCopy = r.storage.copies.find((c) => c.copy === 'OrderItem.productName');
  const chart = (name: string) => {
    const file = charts.find((f) => path.basename(f).startsWith(name));
    return file ? `![${name}](${path.relative(pageDir, file)})` : '';
  };

  return `# Trade-offs, measured

<!-- Written by \`npm run bench\` (stack/bench/tradeoffs.ts) from ${resultsPath}; edit the script, not this file. -->

Every way this system shares data costs something. This page measures, in **one run on one data
set**, what each way costs on the questions of [the architecture](architecture.md): consistency,
latency, throughput and resource use, availability. How the costs grow with the data and the copies per
owner is measured by \`npm run bench:growth\`, what the gateway itself costs by \`npm run bench:gateway\`,
and what a second replica of everything changes by \`npm run bench:replicas\`
([performance.md](performance.md)).

The ways compared, on the same question — *what is the name of the product of each order item?*:

| way | query | path |
|---|---|---|
| synchronous call | \`${r.queries.sync}\` | gateway (entity cache off) → order, then one \`_entities\` fetch → product |
| local copy | \`${r.queries.copy}\` | gateway → order only: \`productName\` is the order item's own copy |
| warm entity cache | the synchronous query | gateway (entity cache on, warm) → order; products from Redis, not from the product service |
| rename STRONG | \`renameProduct(consistency: STRONG)\` | gateway → coordinator: two-phase commit over product and the order copies |
| rename EVENTUAL | \`renameProduct(consistency: EVENTUAL)\` | gateway → coordinator → product's write + outbox → relay → BullMQ → order's consumer |

## The table

${markdownTable(tradeoffsTable(r))}

Healthy rows are medians across ${config.rounds} round(s); a "down" row is one ${config.outageSeconds} s phase with
that service paused (SIGSTOP: it accepts connections and never answers, the hardest kind of down for a
caller). *answers*: complete; degraded (data, with a null field and an error at its path); refused (an
error instead of data, or no answer). *CPU ms/req*: every process of the stack, the run's PostgreSQL
backends and Redis, per request (not the load generator, not the machine's other work).
*calls/req*: GraphQL requests the services received per client request (counted by each service),
*events/req*: events consumed per request (every subscriber's delivery counts).

${chart('tradeoffs-latency')}

${chart('tradeoffs-throughput')}

${chart('tradeoffs-cpu')}

${chart('tradeoffs-availability')}

## What the numbers answer

**Consistency.** A STRONG rename leaves every copy current when it returns (${r.strongOnReturn.staleCopies} stale copies found
in ${r.strongOnReturn.renames} renames checked one by one); an EVENTUAL rename returns before its copies follow them
${lag.lagMs.p50} ms later at p50 and ${lag.lagMs.p99} ms at p99 (${lag.events} events, medians across rounds; of which the
outbox relay p50 ${lag.relayMs.p50} / p99 ${lag.relayMs.p99} ms, delivery to the order inbox p50 ${lag.deliveryMs.p50} / p99 ${lag.deliveryMs.p99} ms; lag is the
order service's inbox time minus the product write's, both stamped by one PostgreSQL server). EVENTUAL renames made while the order service was paused (the last
phase of its ${r.propagation.orderDown.pausedMs} ms pause) were accepted, and their copies were ${r.propagation.orderDown.lagMs.p50} ms (p50) to
${r.propagation.orderDown.lagMs.max} ms (max) stale, converging ${r.propagation.orderDown.convergedAfterResumeMs} ms after it resumed: a copy is as stale as
its holder is late.
The synchronous read always shows the owner's current name; the local copy and the cache show it
once the event has arrived.

**Latency, throughput and resources** (the table's healthy rows). The synchronous call's p50 is
${times(sync.p50, copy.p50)} the local copy's and ${times(sync.p50, cache.p50)} the warm cache's; the local copy serves ${times(copy.requestsPerSecond, sync.requestsPerSecond)} its
requests/s, the warm cache ${times(cache.requestsPerSecond, sync.requestsPerSecond)}. STRONG renames take ${times(strong.p50, eventual.p50)} EVENTUAL's p50
with ${config.renameConnections} clients renaming at once (one at a time, STRONG took ${r.strongOnReturn.latencyMs.p50} ms at p50, p99 ${r.strongOnReturn.latencyMs.p99}); EVENTUAL's
CPU is counted until its copies converged.${refusedWhileHealthy(r)}
${orderCopy ? `The copies take ${orderCopy.copyBytes} bytes for ${orderCopy.copies} order items (${orderCopy.bytesPerCopy} bytes each, ${orderCopy.copiesOverOwner}× the owner's ${orderCopy.ownerFieldBytes} bytes of names), plus the machinery that keeps them fresh (table below).` : ''}

**Availability** (the table's "down" rows). The ways that still answered completely: ${(
    ['product down', 'order down', 'driver down'] as const
  )
    .map((situation) => `with ${situation.replace(' down', '')} paused, ${whole(situation)}`)
    .join('; ')}. After each resume, complete answers came back within
${Object.entries(r.recoveredAfterResumeMs)
  .map(([situation, ms]) => `${ms} ms (${situation})`)
  .join(', ')}.

${
  r.readYourWrites
    ? `## Read your writes

Sessions that rename a product (or a driver) and at once read the orders (or rides) that copy its
name, through the gateway with the entity cache: with the consistency token the rename's answer
carried (\`x-consistency-token\`), and without it. A read is stale when a copied name or the owner's
cached name is not the session's own. ${config.sessions} sessions, ${config.sessionsAtOnce} at a time, no other load; then
the same with the order and ride consumers' queues paused. *honoured*: how the services answered the
token reads (fresh: the copy was current; waited: for its consumer, bounded; owner: read from the
owner; stale: told so), % of token reads. What the token guarantees and where it stops:
[consistency.md](consistency.md).

${markdownTable(readYourWritesTable(r))}
`
    : ''
}
${
  r.defer
    ? `## The hybrid read with @defer

\`${r.queries.deferred}\` through the gateway without the entity cache, \`Accept: multipart/mixed\`:
time to the first payload (the rides' own fields) and to the last (their drivers), against the hybrid
read without @defer, one request at a time; healthy, then at the start of the driver service's pause
(each deferred part waits out the 1 s budget, or meets an open breaker).

${markdownTable(deferTable(r))}
`
    : ''
}
## CPU per request by process (ms, healthy medians)

${markdownTable(cpuTable(r))}

Idle, the stack used ${idlePercent(r)} % of one core (relays, schedules, pools, on a shared machine); it is not
subtracted above: at the synchronous read's ${sync.requestsPerSecond} requests/s it would be ${round((idlePercent(r) * 10) / sync.requestsPerSecond, 2)} ms of each request's figure.

## Storage taken by copies

${markdownTable(storageTable(r))}

Copy bytes are \`pg_column_size\` of the copied value and its version (data only); the rest is size on
disk after the run: the index the copy updates find their rows by, the consumer's inbox of processed
event ids (it grows with every event until retention deletes it), \`copy_sources\` (the latest owner
value, for races between a copy's write and an event), and the owner's outbox. The gateway's entity
cache held ${r.storage.entityCache.keys} keys, ${r.storage.entityCache.bytes} bytes in Redis (\`MEMORY USAGE\`).

## How it was measured

\`flock /tmp/msd-bench.lock npm run bench\` (\`stack/bench/tradeoffs.ts\`; what it starts, in which order and how it
counts: [stack/bench/README.md](../stack/bench/README.md#the-trade-offs-tradeoffsts-ports-47004708)). This run: the demo set
(${r.data.products} products, ${r.data.orders} orders with ${r.data.orderItems} items, ${r.data.rides} rides over ${r.data.drivers} drivers); ${config.warmUpSeconds} s warm-up per load;
${config.rounds} round(s) of ${config.phaseSeconds} s per read (${config.connections} clients) and rename (${config.renameConnections} clients, on the products with
${r.renamedProducts.map((p) => p.copies).join(', ')} copies); ${config.strongChecks} checked STRONG renames; ${config.outageSeconds} s per phase with a service paused. A paused
service cannot be read: the calls it was sent are not in *calls/req* of the "down" rows (the gateways'
counts of them are in the raw results, \`callsToDown\`).

## Machine

${e.nproc} cores (${e.cpuModel}), Node ${e.node}, PostgreSQL ${e.postgres}, Redis ${e.redis}, kernel ${e.kernel}; commit
${e.commit}${e.uncommitted.length ? ` with ${e.uncommitted.length} uncommitted file(s)` : ''}. The machine is shared: load average
${e.loadavgBefore} before the run, ${e.loadavgAfter} after. Run ${published.startedAt} → ${published.finishedAt}
(${published.configuration} configuration).

Raw results of the run above: [${resultsPath}](${path.relative(pageDir, resultsFile)}); earlier runs are in
this page's git history.
`;
}

/**
 * Writes the page: docs/tradeoffs.md for the standard configuration, else
 * `results/tradeoffs-custom.md` (ignored by git). Returns the page's path.
 */
export function writeTradeoffsPage(resultsFile: string, charts: readonly string[], standard: boolean) {
  const published = JSON.parse(readFileSync(resultsFile, 'utf8')) as Published<TradeoffsResults>;
  const page = standard
    ? path.join(repoRoot, 'docs', 'tradeoffs.md')
    : path.join(resultsDir, 'tradeoffs-custom.md');
  writeFileSync(page, tradeoffsPage(published, charts, resultsFile, path.dirname(page)));
  return page;
}
