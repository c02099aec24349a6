import type { Logger } from '@msd/service-kit';
import type { SqlTransaction } from './appendToOutbox.ts';
import { deleteInBatches } from './deleteInBatches.ts';

/** One table's retention: rows matching `where` (with `$1` = the retention in ms) are deleted. */
export interface RetentionRule {
  table: string;
  /** A condition on the row's age; `$1` is `retentionMs`. */
  where: string;
  retentionMs: number;
}

/**
 * A background pruner: every `intervalMs` (default 5 minutes) it deletes, in batches, the rows each
 * rule says have outlived their retention. A failed pass is logged and the next one tries again.
 */
export function createRetention(options: {
  db: SqlTransaction;
  logger: Logger;
  rules: RetentionRule[];
  intervalMs?: number;
}) {
  const intervalMs = options.intervalMs ?? Number(process.env.RETENTION_INTERVAL_MS ?? 300_000);
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  const prune = async () => {
    for (const rule of options.rules) {
      const deleted = await deleteInBatches(options.db, rule.table, rule.where, [rule.retentionMs]);
      if (deleted > 0) options.logger.info('retention: rows deleted', { table: rule.table, deleted });
    }
  };
  const run = () => {
    pass ??= prune()
      .catch((error: unknown) =>
        options.logger.warn('retention pass failed; the next one retries', { error }),
      )
      .finally(() => {
        pass = undefined;
      });
    return pass;
  };
  return {
    /** One pass now. */
    prune: run,
    async start() {
      timer = setInterval(run, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}

/** Retention rules of the shared tables, with their defaults; every one configurable by environment. */
export const retentionRules = {
  /**
   * The inbox must outlive the longest time an event can be sent again: the outbox's maximum
   * retention (7 days) after a broker data loss. Default 8 days (`INBOX_RETENTION_MS`).
   */
  inbox: (): RetentionRule => ({
    table: 'processed_events',
    where: `processed_at < clock_timestamp() - $1 * interval '1 millisecond'`,
    retentionMs: Number(process.env.INBOX_RETENTION_MS ?? 8 * 24 * 3600 * 1000),
  }),
  /** Finished reconciliation runs: 7 days (`RECONCILIATION_RUNS_RETENTION_MS`). */
  reconciliationRuns: (): RetentionRule => ({
    table: 'reconciliation_runs',
    where: `started_at < clock_timestamp() - $1 * interval '1 millisecond'`,
    retentionMs: Number(process.env.RECONCILIATION_RUNS_RETENTION_MS ?? 7 * 24 * 3600 * 1000),
  }),
};
