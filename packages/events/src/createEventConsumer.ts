import { createPeriodicTask, type Logger } from '@msd/service-kit';
import { type Job, Queue, Worker } from 'bullmq';
import type { TransactionalDatabase, TransactionClient } from './appendToOutbox.ts';
import { type EventEnvelope, type EventType, MalformedEvent, parseEvent } from './contracts.ts';
import { deadLetterQueue } from './deadLetters.ts';
import type { EffectStatement, PlainSql } from './effectStatement.ts';
import { producerOf, UnverifiedEvent, verifyEvent } from './eventSignature.ts';
import {
  eventRetries,
  eventsConsumed,
  eventsDeadLettered,
  eventsRescued,
  eventsUnverified,
  propagationLag,
  queueDepth,
} from './metrics.ts';
import { INBOX_CTE, recordInInbox } from './recordInInbox.ts';
import type { EventBusOptions } from './redisConnection.ts';
import { queueName, type Subscriber } from './subscriptions.ts';
import { continueTrace } from './traceContext.ts';

/** applied: the effect was committed; duplicate: already in the inbox; stale: an older version than the copy's. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'stale';

/** What an effect reports; `duplicate` is the consumer's own finding, from the inbox. */
export type EffectOutcome = Exclude<ApplyOutcome, 'duplicate'>;

export type EventConsumerOptions<T extends EventType> = {
  event: T;
  subscriber: Subscriber;
  bus: EventBusOptions;
  logger: Logger;
  concurrency?: number;
  /** How often BullMQ's failed set is swept into the dead-letter queue (default 10 s). */
  rescueIntervalMs?: number;
  /** Lock and stall settings of the worker (tests shorten them); defaults in `workerTimings`. */
  stall?: Partial<typeof workerTimings>;
} & (
  | {
      /**
       * The consumer's own database. Each event is applied in one transaction with its inbox row
       * (`processed_events`): a redelivered event is found there and changes nothing. The effect
       * compares versions itself, so an older event changes nothing either (`stale`).
       */
      db: TransactionalDatabase;
      apply: (event: EventEnvelope<T>, tx: TransactionClient) => Promise<EffectOutcome>;
      sql?: undefined;
    }
  | {
      /**
       * The hot paths: the inbox row and the effect as one plain SQL statement (`EffectStatement`),
       * committed together or not at all in one round trip, instead of an interactive transaction.
       */
      sql: PlainSql;
      effect: (event: EventEnvelope<T>) => EffectStatement;
      db?: undefined;
      apply?: undefined;
    }
  | {
      /** No database: the effect must be idempotent by nature (dropping a cache entry). */
      db?: undefined;
      apply: (event: EventEnvelope<T>) => Promise<EffectOutcome>;
      sql?: undefined;
    }
);

export interface EventConsumer {
  queue: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Jobs waiting or delayed (retrying) in this consumer's queue. */
  depth(): Promise<number>;
  /**
   * Parks every job BullMQ failed without the consumer parking it (stalled more than
   * `maxStalledCount` times, or parking itself failed) and removes it from the failed set;
   * returns how many. Runs on start and every `rescueIntervalMs`.
   */
  rescueFailed(): Promise<number>;
}

/**
 * How long a job's lock lasts and how often stalled jobs are looked for: a worker killed mid-job
 * gives its job back within about 20 s. A job is failed after stalling 3 times (a job that kills
 * every worker that takes it must not loop forever), and then parked by `rescueFailed`.
 */
const workerTimings = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 3 };

/**
 * A BullMQ worker for one (event, subscriber) queue. An event whose signature does not verify (not
 * signed by its producer's key) or that is malformed is parked in the dead-letter queue at once,
 * never applied (retrying cannot fix it); an event whose effect fails is retried with backoff and
 * parked after its last attempt. Either way the worker goes on with the next job: one bad event
 * never blocks a queue.
 */
export function createEventConsumer<T extends EventType>(options: EventConsumerOptions<T>): EventConsumer {
  const queue = queueName(options.event, options.subscriber);
  const { logger } = options;
  const producer = producerOf(options.event);
  if (!producer || !options.bus.keys[producer])
    throw new Error(
      `No key to verify ${options.event} events with (the key of ${producer ?? 'its producer'})`,
    );
  // Opened when first needed and closed on stop, so a stopped consumer can be started again.
  let dlq: Queue | undefined;
  let counts: Queue | undefined;
  let worker: Worker | undefined;

  const park = async (job: Job, error: unknown) => {
    const message = (error as Error).message ?? String(error);
    dlq ??= deadLetterQueue(options.bus);
    await dlq.add(
      'parked',
      {
        queue,
        event: job.data,
        error: message,
        attempts: job.attemptsMade + 1,
        parkedAt: new Date().toISOString(),
      },
      { jobId: `${queue}.${job.id}`, removeOnComplete: false },
    );
    eventsDeadLettered.inc({ queue });
    logger.error('event parked in the dead-letter queue', { queue, job: job.id, error: message });
  };

  const statementName = `inbox ${queue}`;
  const applyOnce = async (event: EventEnvelope<T>): Promise<ApplyOutcome> => {
    if (options.sql) {
      const { ctes, outcome, values } = options.effect(event);
      const { rows } = await options.sql.query<{ outcome: ApplyOutcome }>({
        name: statementName,
        text: `WITH ${INBOX_CTE}, ${ctes}
          SELECT CASE WHEN EXISTS (SELECT FROM inbox) THEN ${outcome} ELSE 'duplicate' END AS outcome`,
        values: [event.id, queue, event.type, event.occurredAt, ...values],
      });
      const applied = rows[0]?.outcome;
      if (!applied) throw new Error(`${queue}: the effect's statement returned no outcome`);
      return applied;
    }
    if (!options.db) return options.apply(event);
    const { apply } = options;
    return options.db.$transaction(async (tx) =>
      (await recordInInbox(tx, event, queue)) ? apply(event, tx) : 'duplicate',
    );
  };

  // Each job continues the trace of the write that produced its event (if it was traced).
  const handleJob = (job: Job) => continueTrace(job.data?.traceContext, queue, () => handleTracedJob(job));

  const handleTracedJob = async (job: Job) => {
    let event: EventEnvelope<T>;
    try {
      verifyEvent(job.data, options.bus.keys);
      event = parseEvent(job.data, options.event);
    } catch (error) {
      if (error instanceof UnverifiedEvent) eventsUnverified.inc({ queue });
      if (error instanceof UnverifiedEvent || error instanceof MalformedEvent) return park(job, error);
      throw error;
    }
    try {
      const outcome = await applyOnce(event);
      eventsConsumed.inc({ queue, outcome });
      if (outcome === 'applied') {
        propagationLag.observe(
          { event: options.event, consumer: options.subscriber },
          (Date.now() - Date.parse(event.occurredAt)) / 1000,
        );
      }
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) return park(job, error);
      eventRetries.inc({ queue });
      logger.warn('event failed, will retry', { queue, job: job.id, attempt: job.attemptsMade + 1, error });
      throw error;
    }
  };

  const queueClient = () => {
    counts ??= new Queue(queue, { connection: options.bus.connection, prefix: options.bus.prefix });
    return counts;
  };

  const depth = async () => {
    const c = await queueClient().getJobCounts('waiting', 'delayed', 'prioritized');
    return (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
  };

  const rescueOnce = async () => {
    let rescued = 0;
    for (;;) {
      const failed = await queueClient().getFailed(0, 99);
      if (failed.length === 0) return rescued;
      for (const job of failed) {
        // Parked first, removed after: a crash in between parks it again (same entry id), never loses it.
        await park(job, new Error(job.failedReason || 'failed without being parked'));
        await job.remove();
        eventsRescued.inc({ queue });
        rescued++;
      }
    }
  };
  const rescuer = createPeriodicTask({
    name: `sweep of ${queue}'s failed jobs`,
    intervalMs: options.rescueIntervalMs ?? 10_000,
    logger,
    runOnStart: true,
    work: rescueOnce,
    onResult: (n) => n > 0 && logger.warn('failed jobs parked in the dead-letter queue', { queue, jobs: n }),
  });
  const sampler = createPeriodicTask({
    name: `depth of ${queue}`,
    intervalMs: 5_000,
    logger,
    // A sample missed while Redis is down is no news: the next one is taken 5 s later.
    work: () =>
      depth().then(
        (n) => queueDepth.set({ queue }, n),
        () => {},
      ),
  });

  return {
    queue,
    depth,
    rescueFailed: rescuer.run,
    async start() {
      worker = new Worker(queue, handleJob, {
        connection: options.bus.connection,
        prefix: options.bus.prefix,
        concurrency: options.concurrency ?? 8,
        ...workerTimings,
        ...options.stall,
      });
      let errors = 0;
      worker.on('error', (error) => {
        if (errors++ % 50 === 0) logger.warn('event worker error', { queue, error });
      });
      // A job that failed its last attempt without being parked (park() itself failed) is rescued now.
      worker.on('failed', (job) => {
        if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) rescuer.run().catch(() => {});
      });
      await worker.waitUntilReady();
      await rescuer.start();
      await sampler.start();
    },
    async stop() {
      await sampler.stop();
      await worker?.close();
      await rescuer.stop();
      await Promise.all([dlq?.close(), counts?.close()]);
      dlq = undefined;
      counts = undefined;
    },
  };
}
