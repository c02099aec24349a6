import type { Logger } from '@msd/service-kit';
import type { SqlTransaction } from './appendToOutbox.ts';
import { createScheduledRepair, type RepairResult } from './createScheduledRepair.ts';
import { driftRepaired } from './metrics.ts';
import type { EventBusOptions } from './redisConnection.ts';

export interface OwnerState {
  id: string;
  version: number;
}

export interface ReconcilerOptions<TOwner extends OwnerState> {
  /** Name of the copy, e.g. `order.productName`. */
  copy: string;
  /** The copy's database: runs are recorded in its `reconciliation_runs` table. */
  db: SqlTransaction;
  bus: EventBusOptions;
  logger: Logger;
  batchSize?: number;
  /** How often the scheduled run happens (one run at a time across all instances). */
  intervalMs?: number;
  /** Ids of the owner's entities the copy refers to, in id order, after `afterId`. */
  listSourceIds(afterId: string | undefined, limit: number): Promise<string[]>;
  /** The owner's current state for these ids, read through its API; unknown ids are absent. */
  fetchOwner(ids: string[]): Promise<Map<string, TOwner>>;
  /**
   * Makes every copy of these owners equal to them where it differs; returns the number of rows
   * changed. A copy newer than this read of the owner may hold a newer event: it is set back only
   * when the owner, read again, is still behind it (`createCopyReplication`).
   */
  repair(owners: TOwner[]): Promise<number>;
}

export type ReconciliationResult = RepairResult;

export interface Reconciler {
  /** One full pass over the copy, in batches. */
  reconcile(): Promise<ReconciliationResult>;
  /** Schedules `reconcile` every `intervalMs` on a BullMQ job scheduler. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Drift repair for a copy: compares it with its owner in batches, through the owner's API, and
 * repairs what differs (a scheduled repair). It also backfills a consumer that starts late or missed
 * events while its queue was lost. Every run is recorded, every repair counted.
 */
export function createReconciler<TOwner extends OwnerState>(options: ReconcilerOptions<TOwner>): Reconciler {
  const { copy } = options;
  const repair = createScheduledRepair({
    name: copy,
    db: options.db,
    bus: options.bus,
    logger: options.logger,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
    listIds: options.listSourceIds,
    repairBatch: async (ids) => {
      const owners = await options.fetchOwner(ids);
      const repaired = await options.repair([...owners.values()]);
      driftRepaired.inc({ copy }, repaired);
      return repaired;
    },
  });
  return { reconcile: repair.run, start: repair.start, stop: repair.stop };
}
