/**
 * The trade-offs table and its companions, built from a run's raw results: printed by the run and
 * written into docs/tradeoffs.md from the same rows.
 */
import { type Cell, columns, isStackGroup, type ReportBlock, type Table } from '../harness/index.ts';
import type { AnswerKind } from '../reads.ts';
import {
  type PhaseResult,
  type Scenario,
  type ScenarioMedians,
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
    'the rest': (m) => Math.round(otherStackMs(m.cpuMsPerRequest) * 100) / 100,
    stack: (m) => m.stackCpuMsPerRequest,
  });
}

export function propagationTable(r: TradeoffsResults): Table {
  const { healthy, orderDown } = r.propagation;
  return {
    headers: [
      'EVENTUAL renames',
      'events',
      'lag p50 ms',
      'lag p99 ms',
      'of which relay p50/p99',
      'delivery p50/p99',
    ],
    rows: [
      [
        'healthy (medians across rounds)',
        healthy.events,
        healthy.lagMs.p50,
        healthy.lagMs.p99,
        `${healthy.relayMs.p50} / ${healthy.relayMs.p99}`,
        `${healthy.deliveryMs.p50} / ${healthy.deliveryMs.p99}`,
      ],
      [
        `order service paused ${orderDown.pausedMs} ms, converged ${orderDown.convergedAfterResumeMs} ms after it resumed`,
        orderDown.lagMs.n,
        orderDown.lagMs.p50,
        orderDown.lagMs.p99,
        '',
        '',
      ],
    ],
  };
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
    '\nPropagation lag (order inbox: recorded − occurred, one PostgreSQL clock)',
    propagationTable(r),
    '\nRead your writes',
    readYourWritesTable(r),
    '\nThe hybrid read with @defer',
    deferTable(r),
    '\nStorage taken by copies',
    storageTable(r),
    `entity cache: ${r.storage.entityCache.keys} keys, ${r.storage.entityCache.bytes} bytes in Redis`,
  ];
}
