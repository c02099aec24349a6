import { serviceUnavailable } from '@msd/service-kit';
import type { CopyReplication } from './createCopyReplication.ts';
import { countDeadLetters } from './deadLetters.ts';
import { type RunRecord, readLastRun } from './readLastRun.ts';

interface SqlReader {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): Promise<T>;
}

export interface CopyStatus {
  copy: string;
  windowSeconds: number;
  eventsApplied: number;
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  queueDepth: number;
  parkedEvents: number;
  lastReconciliation: RunRecord | null;
}

/**
 * How fresh a copy is, from durable facts rather than one process's memory: lag percentiles from
 * the inbox (every instance writes there), queue depth and parked events from Redis, and the last
 * reconciliation run.
 */
export async function readCopyStatus(
  db: SqlReader,
  options: Pick<CopyReplication, 'copy' | 'consumer' | 'bus'> & { windowSeconds?: number },
): Promise<CopyStatus> {
  const windowSeconds = options.windowSeconds ?? 300;
  const [[lag], lastReconciliation, queueDepth, parked] = await Promise.all([
    db.$queryRaw<{ applied: bigint; p50: number | null; p99: number | null }[]>`
      SELECT count(*) AS applied,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) AS p99
      FROM processed_events
      WHERE consumer = ${options.consumer.queue}
        AND processed_at > clock_timestamp() - ${windowSeconds} * interval '1 second'`,
    readLastRun(db, options.copy),
    options.consumer.depth(),
    countDeadLetters(options.bus, options.consumer.queue),
  ]);
  return {
    copy: options.copy,
    windowSeconds,
    eventsApplied: Number(lag?.applied ?? 0),
    lagP50Ms: lag?.p50 ?? null,
    lagP99Ms: lag?.p99 ?? null,
    queueDepth,
    parkedEvents: parked,
    lastReconciliation,
  };
}

/** Runs a reconciliation of the copy now and returns its record; fails clearly where events are off. */
export async function reconcileNow(
  db: SqlReader,
  replication: CopyReplication | undefined,
): Promise<NonNullable<CopyStatus['lastReconciliation']>> {
  if (!replication) {
    throw serviceUnavailable('reconciliation', 'this instance runs without events (no event bus configured)');
  }
  await replication.reconciler.reconcile();
  const { lastReconciliation } = await readCopyStatus(db, replication);
  if (!lastReconciliation) throw new Error(`No reconciliation run recorded for ${replication.copy}`);
  return lastReconciliation;
}
