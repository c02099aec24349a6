import { createPeriodicTask, type Logger, type PeriodicTask } from '@msd/service-kit';
import type pg from 'pg';
import type { SqlTransaction } from './appendToOutbox.ts';
import { deleteInBatches } from './deleteInBatches.ts';

/** One table's retention: rows matching `where` (with `$1` = the retention in ms) are deleted. */
export interface RetentionRule {
  table: string;
  /** A condition on the row's age; `$1` is `retentionMs`, `$2`... are `values`. */
  where: string;
  retentionMs: number;
  values?: unknown[];
}

/**
 * A background pruner: every `intervalMs` (default 5 minutes) it deletes, in batches, the rows each
 * rule says have outlived their retention. A failed pass is logged and the next one tries again;
 * `run()` is one pass now.
 */
export function createRetention(options: {
  db: SqlTransaction | pg.Pool;
  logger: Logger;
  rules: RetentionRule[];
  intervalMs?: number;
}): PeriodicTask<void> {
  return createPeriodicTask({
    name: 'retention',
    intervalMs: options.intervalMs ?? 300_000,
    logger: options.logger,
    work: async () => {
      for (const rule of options.rules) {
        const deleted = await deleteInBatches(options.db, rule.table, rule.where, [
          rule.retentionMs,
          ...(rule.values ?? []),
        ]);
        if (deleted > 0) options.logger.info('retention: rows deleted', { table: rule.table, deleted });
      }
    },
  });
}

const DAY_MS = 24 * 3600 * 1000;

/** Retention rules of the shared tables, with their defaults. */
export const retentionRules = {
  /**
   * The inbox must outlive the longest time an event can be sent again: the outbox's maximum
   * retention (7 days) after a broker data loss. Default 8 days.
   */
  inbox: (retentionMs = 8 * DAY_MS): RetentionRule => ({
    table: 'processed_events',
    where: `processed_at < clock_timestamp() - $1 * interval '1 millisecond'`,
    retentionMs,
  }),
  /** Finished reconciliation runs: default 7 days. */
  reconciliationRuns: (retentionMs = 7 * DAY_MS): RetentionRule => ({
    table: 'reconciliation_runs',
    where: `started_at < clock_timestamp() - $1 * interval '1 millisecond'`,
    retentionMs,
  }),
};
