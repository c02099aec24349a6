/** The shape of a trade-offs run's raw results (`results/tradeoffs.json`), shared by the run, its table, charts and page. */
import type { CpuUse, Summary } from '../harness/index.ts';
import type { AnswerKind } from '../reads.ts';
import type { DeferRead, ReadYourWrites } from './clientScenarios.ts';
import type { CopyStorage } from './copyStorage.ts';
import type { Traffic } from './serviceTraffic.ts';

type Percentiles = Pick<Summary, 'p50' | 'p99'>;

/** The ways to read an order item's product name and a ride's driver, and to rename a product. */
export const scenarios = {
  'read.sync': 'read: order → product, synchronous call (cache off)',
  'read.copy': "read: the order's local copy (productName)",
  'read.cache': 'read: order → product, warm entity cache',
  'hybrid.sync': "hybrid: the ride's driverName + driver details by synchronous call (cache off)",
  'hybrid.cache': "hybrid: the ride's driverName + driver details, warm entity cache",
  'rename.strong': 'rename STRONG (two-phase commit)',
  'rename.eventual': 'rename EVENTUAL (write + event)',
} as const;
export type Scenario = keyof typeof scenarios;

/** The same, short enough for a chart's axis. */
export const scenarioShortNames: Record<Scenario, string> = {
  'read.sync': 'read: synchronous call',
  'read.copy': 'read: local copy',
  'read.cache': 'read: warm cache',
  'hybrid.sync': 'hybrid: synchronous details',
  'hybrid.cache': 'hybrid: cached details',
  'rename.strong': 'rename STRONG',
  'rename.eventual': 'rename EVENTUAL',
};

/** Healthy, or one service paused (SIGSTOP: it accepts connections and never answers). */
export type Situation = 'healthy' | 'product down' | 'order down' | 'driver down';

export interface PhaseResult {
  scenario: Scenario;
  situation: Situation;
  round: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: Summary;
  answers: Record<AnswerKind, number>;
  problems: Record<string, number>;
  /** Seconds CPU was measured over: the load, and for EVENTUAL renames until every copy converged. */
  cpuSeconds: number;
  cpu: CpuUse;
  cpuMsPerRequest: Record<string, number>;
  stackCpuMsPerRequest: number;
  traffic: Traffic;
  callsPerRequest: number;
  eventsPerRequest: number;
  /** Calls the gateways sent to the paused service (ok, failed, timed out) and refused to send (circuit open). */
  callsToDown?: { sent: number; rejected: number };
  cacheHitPercent?: number;
  /** EVENTUAL renames: lag of the order copies' events that occurred during the phase (order inbox). */
  lagMs?: Summary;
  /** EVENTUAL renames: that lag's part in the product's relay (outbox → bus) and in delivery (bus → the order inbox). */
  relayMs?: Summary;
  deliveryMs?: Summary;
  /** EVENTUAL renames: from the end of the load until every copy was current. */
  convergedAfterMs?: number;
}

/** Medians across rounds of a healthy scenario (answers: summed). */
export type ScenarioMedians = Pick<
  PhaseResult,
  | 'scenario'
  | 'requestsPerSecond'
  | 'stackCpuMsPerRequest'
  | 'callsPerRequest'
  | 'eventsPerRequest'
  | 'cpuMsPerRequest'
  | 'answers'
  | 'cacheHitPercent'
> & { rounds: number; p50: number; p99: number };

export interface TradeoffsResults {
  data: { products: number; orders: number; orderItems: number; rides: number; drivers: number };
  queries: Record<string, string>;
  renamedProducts: { id: string; copies: number }[];
  idleCpu: CpuUse;
  phases: PhaseResult[];
  medians: ScenarioMedians[];
  /** STRONG renames one at a time, each checked on return: copies not yet holding the name. */
  strongOnReturn: { renames: number; staleCopies: number; latencyMs: Summary };
  /** The lag of EVENTUAL renames' events, healthy and with the order service paused (then resumed). */
  propagation: {
    /** Medians across rounds of each round's percentiles. */
    healthy: { events: number; lagMs: Percentiles; relayMs: Percentiles; deliveryMs: Percentiles };
    orderDown: { pausedMs: number; lagMs: Summary; convergedAfterResumeMs: number };
  };
  storage: { copies: CopyStorage[]; entityCache: { keys: number; bytes: number } };
  recoveredAfterResumeMs: Partial<Record<Situation, number>>;
  /** Healthy, then with the order and ride consumers paused (absent from runs before they were measured). */
  readYourWrites?: ReadYourWrites[];
  /** Healthy, then with the driver service paused (absent from runs before it was measured). */
  defer?: DeferRead[];
}
