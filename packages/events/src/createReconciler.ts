import type { Logger } from '@msd/service-kit';
import { Queue, Worker } from 'bullmq';
import type { SqlTransaction } from './appendToOutbox.ts';
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
   * Makes every copy of these owners equal to them where it differs and is not newer; returns the
   * number of rows changed. The version guard keeps a repair from undoing a newer event.
   */
  repair(owners: TOwner[]): Promise<number>;
}

export interface ReconciliationResult {
  checked: number;
  repaired: number;
}

export interface Reconciler {
  /** One full pass over the copy, in batches. */
  reconcile(): Promise<ReconciliationResult>;
  /** Schedules `reconcile` every `intervalMs` on a BullMQ job scheduler. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Drift repair for a copy: compares it with its owner in batches, through the owner's API, and
 * repairs what differs. It also backfills a consumer that starts late or missed events while its
 * queue was lost. Every run is recorded, every repair counted.
 */
export function createReconciler<TOwner extends OwnerState>(options: ReconcilerOptions<TOwner>): Reconciler {
  const { copy, db, logger } = options;
  const batchSize = options.batchSize ?? 200;
  const queueName = `reconcile.${copy}`;
  let queue: Queue | undefined;
  let worker: Worker | undefined;
  let keepScheduled: NodeJS.Timeout | undefined;

  const reconcile = async (): Promise<ReconciliationResult> => {
    const runId = crypto.randomUUID();
    await db.$executeRaw`INSERT INTO reconciliation_runs (id, copy, started_at) VALUES (${runId}::uuid, ${copy}, clock_timestamp())`;
    let checked = 0;
    let repaired = 0;
    try {
      let afterId: string | undefined;
      for (;;) {
        const ids = await options.listSourceIds(afterId, batchSize);
        if (ids.length === 0) break;
        const owners = await options.fetchOwner(ids);
        const changed = await options.repair([...owners.values()]);
        checked += ids.length;
        repaired += changed;
        afterId = ids[ids.length - 1];
        if (ids.length < batchSize) break;
      }
      driftRepaired.inc({ copy }, repaired);
      await db.$executeRaw`UPDATE reconciliation_runs SET finished_at = clock_timestamp(), checked = ${checked}, repaired = ${repaired} WHERE id = ${runId}::uuid`;
      (repaired > 0 ? logger.warn : logger.info)('reconciliation finished', { copy, checked, repaired });
      return { checked, repaired };
    } catch (error) {
      await db.$executeRaw`UPDATE reconciliation_runs SET finished_at = clock_timestamp(), checked = ${checked}, repaired = ${repaired}, error = ${(error as Error).message} WHERE id = ${runId}::uuid`.catch(
        () => {},
      );
      logger.error('reconciliation failed', { copy, checked, repaired, error });
      throw error;
    }
  };

  return {
    reconcile,
    async start() {
      const every = options.intervalMs ?? 60_000;
      queue = new Queue(queueName, { connection: options.bus.connection, prefix: options.bus.prefix });
      // Each run is a job: finished ones are removed (the run itself is recorded in reconciliation_runs),
      // or Redis would keep about 1,440 of them per copy per day.
      const schedule = () =>
        queue?.upsertJobScheduler(
          'reconcile',
          { every },
          { name: 'reconcile', opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } } },
        );
      await schedule();
      // Re-registered on every interval: a Redis that restarted empty has lost the schedule.
      keepScheduled = setInterval(() => schedule()?.catch(() => {}), every);
      keepScheduled.unref();
      worker = new Worker(queueName, () => reconcile(), {
        connection: options.bus.connection,
        prefix: options.bus.prefix,
        concurrency: 1,
      });
      worker.on('error', (error) => logger.warn('reconciliation worker error', { copy, error }));
    },
    async stop() {
      clearInterval(keepScheduled);
      await worker?.close();
      await queue?.close();
    },
  };
}
