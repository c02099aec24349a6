import { type ServiceName, type SharedTable, serviceEntry } from '@msd/registry';
import type { BackgroundProcess, EventTimings, Logger } from '@msd/service-kit';
import type pg from 'pg';
import type { SqlTransaction } from './appendToOutbox.ts';
import { createOutboxRelay } from './createOutboxRelay.ts';
import { createRetention, type RetentionRule, retentionRules } from './createRetention.ts';
import type { EventBusOptions } from './redisConnection.ts';

/**
 * The background work that the shared tables of a service's registry entry need, with the
 * process's timings: its outbox relayed (and pruned), its inbox and its reconciliation runs pruned.
 * A service adds its own consumers, copies and repairs beside it.
 */
export function sharedTableWork(options: {
  service: ServiceName;
  databaseUrl: string;
  bus: EventBusOptions;
  db: SqlTransaction | pg.Pool;
  timings: EventTimings;
  logger: Logger;
}): BackgroundProcess[] {
  const { service, timings, logger } = options;
  const tables = serviceEntry(service).sharedTables as readonly SharedTable[];
  const rules: RetentionRule[] = [
    ...(tables.includes('inbox') ? [retentionRules.inbox(timings.inboxRetentionMs)] : []),
    ...(tables.includes('reconciliation')
      ? [retentionRules.reconciliationRuns(timings.reconciliationRunsRetentionMs)]
      : []),
  ];
  return [
    ...(tables.includes('outbox')
      ? [
          createOutboxRelay({
            service,
            databaseUrl: options.databaseUrl,
            bus: options.bus,
            logger,
            lingerMs: timings.outboxLingerMs,
            retentionMs: timings.outboxRetentionMs,
            maxRetentionMs: timings.outboxMaxRetentionMs,
          }),
        ]
      : []),
    ...(rules.length > 0
      ? [createRetention({ db: options.db, logger, intervalMs: timings.retentionIntervalMs, rules })]
      : []),
  ];
}
