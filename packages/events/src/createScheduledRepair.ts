import { type BackgroundProcess, createPeriodicTask, type Logger } from '@msd/service-kit';
import { Queue, Worker } from 'bullmq';
import type { SqlTransaction } from './appendToOutbox.ts';
import type { EventBusOptions } from './redisConnection.ts';

export interface RepairResult {
  checked: number;
  repaired: number;
}

export interface ScheduledRepair extends BackgroundProcess {
  /** One full pass now, in batches, recorded in `reconciliation_runs`. */
  run(): Promise<RepairResult>;
}

/**
 * Anti-entropy on a schedule: a full pass over a set of ids, in batches, each checked against the
 * truth and repaired where it is wrong. Passes run on a BullMQ job scheduler, so one instance of
 * the service runs each pass however many there are; every pass is recorded (`reconciliation_runs`,
 * under `name`), with its error when it fails.
 */
export function createScheduledRepair(options: {
  /** What is repaired, e.g. `order.productName`, `order.reactions`: the key of its recorded runs. */
  name: string;
  /** The service's database: runs are recorded in its `reconciliation_runs` table. */
  db: SqlTransaction;
  bus: EventBusOptions;
  logger: Logger;
  batchSize?: number;
  /** Default 60 s. */
  intervalMs?: number;
  /** The ids to check, in id order, after `afterId`. */
  listIds(afterId: string | undefined, limit: number): Promise<string[]>;
  /** Checks these ids and repairs what is wrong; returns how many it repaired. */
  repairBatch(ids: string[]): Promise<number>;
}): ScheduledRepair {
  const { name, db, logger, bus } = options;
  const batchSize = options.batchSize ?? 200;
  const every = options.intervalMs ?? 60_000;
  const queueName = `reconcile.${name}`;
  let queue: Queue | undefined;
  let worker: Worker | undefined;

  const run = async (): Promise<RepairResult> => {
    const runId = crypto.randomUUID();
    await db.$executeRaw`INSERT INTO reconciliation_runs (id, copy, started_at) VALUES (${runId}::uuid, ${name}, clock_timestamp())`;
    let checked = 0;
    let repaired = 0;
    try {
      let afterId: string | undefined;
      for (;;) {
        const ids = await options.listIds(afterId, batchSize);
        if (ids.length === 0) break;
        repaired += await options.repairBatch(ids);
        checked += ids.length;
        afterId = ids[ids.length - 1];
        if (ids.length < batchSize) break;
      }
      await db.$executeRaw`UPDATE reconciliation_runs SET finished_at = clock_timestamp(), checked = ${checked}, repaired = ${repaired} WHERE id = ${runId}::uuid`;
      (repaired > 0 ? logger.warn : logger.info)('scheduled repair finished', {
        repair: name,
        checked,
        repaired,
      });
      return { checked, repaired };
    } catch (error) {
      await db.$executeRaw`UPDATE reconciliation_runs SET finished_at = clock_timestamp(), checked = ${checked}, repaired = ${repaired}, error = ${(error as Error).message} WHERE id = ${runId}::uuid`.catch(
        () => {},
      );
      logger.error('scheduled repair failed', { repair: name, checked, repaired, error });
      throw error;
    }
  };

  // Each pass is a job: finished ones are removed (the pass itself is recorded in reconciliation_runs),
  // or Redis would keep about 1,440 of them per repair per day.
  const schedule = createPeriodicTask({
    // Registered again on every interval: a Redis that restarted empty has lost the schedule.
    name: `schedule of ${name}`,
    intervalMs: every,
    logger,
    work: async () => {
      await queue?.upsertJobScheduler(
        'reconcile',
        { every },
        { name: 'reconcile', opts: { removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } } },
      );
    },
  });

  return {
    run,
    async start() {
      queue = new Queue(queueName, { connection: bus.connection, prefix: bus.prefix });
      await schedule.run();
      await schedule.start();
      worker = new Worker(queueName, () => run(), {
        connection: bus.connection,
        prefix: bus.prefix,
        concurrency: 1,
      });
      worker.on('error', (error) => logger.warn('scheduled repair worker error', { repair: name, error }));
    },
    async stop() {
      await schedule.stop();
      await worker?.close();
      await queue?.close();
    },
  };
}
