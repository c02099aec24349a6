import type { Logger } from '@msd/service-kit';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { OUTBOX_CHANNEL } from './appendToOutbox.ts';
import { busEpochWatch } from './busEpoch.ts';
import type { EventEnvelope, EventType } from './contracts.ts';
import { deadLetterQueue } from './deadLetters.ts';
import { deleteInBatches } from './deleteInBatches.ts';
import { deliveryOptions } from './deliveryOptions.ts';
import { type Producer, signEvent } from './eventSignature.ts';
import { inTransaction } from './inTransaction.ts';
import { eventsPublished, outboxBacklog } from './metrics.ts';
import { type EventBusOptions, failFast } from './redisConnection.ts';
import { queueName, subscriptions } from './subscriptions.ts';
import { startPublishSpan, type TraceCarrier } from './traceContext.ts';

export interface OutboxRelayOptions {
  service: string;
  databaseUrl: string;
  bus: EventBusOptions;
  logger: Logger;
  batchSize?: number;
  /** Safety net for a missed NOTIFY (listener reconnecting): the outbox is polled this often. */
  pollIntervalMs?: number;
  /**
   * Published rows are deleted after this long (default 24 h), but only once
   * they are behind the safe point: until then they are what a broker data loss is repaired from.
   */
  retentionMs?: number;
  /** Published rows are deleted after this long even when not behind the safe point (default 7 days). */
  maxRetentionMs?: number;
  /** A Redis command taking longer fails (the batch rolls back and is retried): default 5 s. */
  redisCommandTimeoutMs?: number;
  /**
   * Fault injection for tests: runs after the batch was handed to Redis and before its rows are
   * marked published. Throwing here is a relay dying at the worst moment: the rows stay unpublished
   * and are sent again, and consumers drop the duplicates.
   */
  beforeMarkPublished?: () => void | Promise<void>;
  /** Fault injection for tests: runs after rows were claimed (locked) and before they are handed to Redis. */
  beforePublish?: () => void | Promise<void>;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Publishes everything pending now; returns the number of rows handed over. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

interface OutboxRow {
  id: string;
  type: EventType;
  aggregate_id: string;
  version: number;
  payload: unknown;
  occurred_at: Date;
  trace_context: TraceCarrier | null;
}

/**
 * Moves committed outbox rows to the consumer queues. Rows are claimed with FOR UPDATE SKIP LOCKED,
 * so any number of relay processes share the work without sending a row twice, and marked published
 * only after Redis accepted them, in the same transaction: a crash in between re-sends, never loses.
 * With Redis down, publishing fails fast, the transaction rolls back, writes go on filling the
 * outbox, and the relay retries with backoff until Redis is back.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { service, logger } = options;
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const retentionMs = options.retentionMs ?? 24 * 3600 * 1000;
  const maxRetentionMs = options.maxRetentionMs ?? 7 * 24 * 3600 * 1000;
  // One connection: the loop drains, then keeps house, one after the other (LISTEN has its own client).
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 1,
    idleTimeoutMillis: 10_000,
    // A backstop: a transaction left open (a hung call inside it) ends and releases its row locks.
    options: '-c idle_in_transaction_session_timeout=15000',
  });
  pool.on('error', (error) => logger.warn('outbox relay: idle database connection failed', { error }));
  const commandTimeoutMs = options.redisCommandTimeoutMs ?? 5_000;
  // With Redis down or hung, a call fails now: the batch rolls back and its row locks are released.
  const connection = failFast(options.bus.connection, commandTimeoutMs);
  const signingKey = options.bus.keys[service as Producer];
  if (!signingKey) throw new Error(`No event signing key for ${service}: its events could not be verified`);
  const queues = new Map<string, Queue>();
  let redis: Redis | undefined;
  let deadLetters: Queue | undefined;
  let listener: pg.Client | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // Set by every NOTIFY: one that arrives while a drain runs makes the loop drain again at once.
  let notified = false;
  let lastCleanup = 0;
  let lastSafePoint = 0;

  const queue = (name: string) => {
    let existing = queues.get(name);
    if (!existing) {
      existing = new Queue(name, { connection, prefix: options.bus.prefix });
      existing.on('error', () => {}); // surfaced by the failing addBulk below
      queues.set(name, existing);
    }
    return existing;
  };
  const fedQueues = [
    ...new Set(
      (Object.entries(subscriptions) as [EventType, readonly string[]][]).flatMap(([event, subscribers]) =>
        subscribers.map((subscriber) => queueName(event, subscriber as never)),
      ),
    ),
  ];
  const redisClient = async () => {
    if (!redis) {
      redis = new Redis({ ...connection, lazyConnect: true });
      redis.on('error', () => {}); // surfaced by the failing command
    }
    if (redis.status === 'wait') await redis.connect();
    return redis;
  };
  const watch = busEpochWatch({
    relay: service,
    pool,
    redis: redisClient,
    prefix: options.bus.prefix,
    logger,
  });

  const publish = async (rows: OutboxRow[]) => {
    const jobs = new Map<string, { name: string; data: EventEnvelope; opts: JobsOptions }[]>();
    const spans = [];
    for (const row of rows) {
      // The trace that wrote the row continues through this publish into the job (traceContext).
      const traced = startPublishSpan(row.trace_context, {
        type: row.type,
        queues: (subscriptions[row.type] ?? []).map((subscriber) => queueName(row.type, subscriber)),
      });
      if (traced) spans.push(traced.span);
      const envelope = {
        id: row.id,
        type: row.type,
        aggregateId: row.aggregate_id,
        version: row.version,
        occurredAt: row.occurred_at.toISOString(),
        payload: row.payload,
      } as EventEnvelope;
      const event = {
        ...envelope,
        signature: signEvent(envelope, signingKey),
        ...(traced ? { traceContext: traced.carrier } : {}),
      };
      for (const subscriber of subscriptions[row.type] ?? []) {
        const name = queueName(row.type, subscriber);
        const list = jobs.get(name) ?? [];
        // The event id as job id: a re-sent event still queued or recently done is not added twice.
        list.push({ name: row.type, data: event, opts: { ...deliveryOptions, jobId: row.id } });
        jobs.set(name, list);
      }
    }
    try {
      await Promise.all([...jobs].map(([name, list]) => queue(name).addBulk(list)));
    } finally {
      for (const span of spans) span.end();
    }
  };

  const drain = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const count = await inTransaction(pool, async (client) => {
        const { rows } = await client.query<OutboxRow>(
          `SELECT id, type, aggregate_id, version, payload, occurred_at, trace_context FROM outbox_events
           WHERE published_at IS NULL ORDER BY occurred_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [batchSize],
        );
        if (rows.length > 0) {
          await options.beforePublish?.();
          // BullMQ's multi-command adds do not all honour ioredis' commandTimeout: the batch gets a
          // deadline of its own. Jobs that land after it are sent again later, and dropped as duplicates.
          await withTimeout(publish(rows), commandTimeoutMs, 'Redis did not accept the batch');
          await options.beforeMarkPublished?.();
          await client.query(
            'UPDATE outbox_events SET published_at = clock_timestamp() WHERE id = ANY($1::uuid[])',
            [rows.map((row) => row.id)],
          );
        }
        return rows.length;
      });
      total += count;
      eventsPublished.inc({ service }, count);
      if (count < batchSize) return total;
    }
  };

  const housekeeping = async () => {
    const { rows } = await pool.query<{ backlog: string }>(
      'SELECT count(*) AS backlog FROM outbox_events WHERE published_at IS NULL',
    );
    outboxBacklog.set({ service }, Number(rows[0]?.backlog ?? 0));
    if (Date.now() - lastSafePoint > 2_000) {
      lastSafePoint = Date.now();
      if (!deadLetters) {
        deadLetters = deadLetterQueue({ ...options.bus, connection });
        deadLetters.on('error', () => {}); // surfaced by the failing count
      }
      await watch.advanceSafePoint(fedQueues.map(queue), deadLetters);
    }
    if (Date.now() - lastCleanup > Math.min(60_000, retentionMs)) {
      lastCleanup = Date.now();
      // Only rows behind the safe point may go (they can no longer be needed to repair a loss),
      // unless they are older than the maximum retention.
      await deleteInBatches(
        pool,
        'outbox_events',
        `published_at < clock_timestamp() - $1 * interval '1 millisecond'
         AND (published_at < (SELECT safe_point FROM outbox_relay_state WHERE relay = $2)
              OR published_at < clock_timestamp() - $3 * interval '1 millisecond')`,
        [retentionMs, service, maxRetentionMs],
      );
    }
  };

  const listen = async () => {
    try {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      client.on('notification', () => {
        notified = true;
        wake?.();
      });
      client.on('error', (error) => {
        logger.warn('outbox relay: LISTEN connection lost, polling until it is back', { error });
        listener = undefined;
        client.end().catch(() => {});
      });
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      listener = client;
    } catch (error) {
      logger.warn('outbox relay: cannot LISTEN, polling instead', { error });
    }
  };

  const run = async () => {
    let failures = 0;
    while (running) {
      try {
        if (!listener) await listen();
        // Every cycle (and so after every reconnect): has the bus lost what was handed to it?
        await watch.check();
        notified = false;
        await drain();
        await housekeeping();
        if (failures > 0) logger.info('outbox relay: publishing again', { service, afterFailures: failures });
        failures = 0;
        if (notified) continue; // a commit announced itself during the drain: its row may not have been seen
        await sleep(pollIntervalMs, (resolve) => {
          wake = resolve;
        });
      } catch (error) {
        failures++;
        // Log the first failure and then every 20th: a Redis outage should not flood the log.
        if (failures === 1 || failures % 20 === 0) {
          logger.warn('outbox relay: publish failed, will retry', { service, failures, error });
        }
        await sleep(Math.min(5_000, 50 * 2 ** Math.min(failures, 7)), (resolve) => {
          wake = resolve;
        });
      }
    }
  };

  return {
    drain,
    async start() {
      if (running) return;
      running = true;
      await listen();
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await listener?.end().catch(() => {});
      await Promise.all([...queues.values(), deadLetters].map((q) => q?.close()));
      redis?.disconnect();
      await pool.end();
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  work.catch(() => {}); // a late failure after the deadline has nobody left to tell
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function sleep(ms: number, expose: (resolve: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    expose(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
