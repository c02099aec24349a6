import type { Logger } from '@msd/service-kit';
import { type JobsOptions, Queue } from 'bullmq';
import pg from 'pg';
import { OUTBOX_CHANNEL } from './appendToOutbox.ts';
import type { EventEnvelope, EventType } from './contracts.ts';
import { deliveryOptions } from './deliveryOptions.ts';
import { eventsPublished, outboxBacklog } from './metrics.ts';
import type { EventBusOptions } from './redisConnection.ts';
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
  /** Published rows are deleted after this long: the outbox is a hand-off, not an archive. */
  retentionMs?: number;
  /**
   * Fault injection for tests: runs after the batch was handed to Redis and before its rows are
   * marked published. Throwing here is a relay dying at the worst moment: the rows stay unpublished
   * and are sent again, and consumers drop the duplicates.
   */
  beforeMarkPublished?: () => void | Promise<void>;
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
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 1, idleTimeoutMillis: 10_000 });
  pool.on('error', (error) => logger.warn('outbox relay: idle database connection failed', { error }));
  const queues = new Map<string, Queue>();
  let listener: pg.Client | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let lastCleanup = 0;

  const queue = (name: string) => {
    let existing = queues.get(name);
    if (!existing) {
      // No offline queue: with Redis down, `addBulk` must fail now, not wait, so the batch rolls back.
      existing = new Queue(name, {
        connection: { ...options.bus.connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
        prefix: options.bus.prefix,
      });
      existing.on('error', () => {}); // surfaced by the failing addBulk below
      queues.set(name, existing);
    }
    return existing;
  };

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
      const event = {
        id: row.id,
        type: row.type,
        aggregateId: row.aggregate_id,
        version: row.version,
        occurredAt: row.occurred_at.toISOString(),
        payload: row.payload,
        ...(traced ? { traceContext: traced.carrier } : {}),
      } as EventEnvelope;
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
      const client = await pool.connect();
      let count = 0;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<OutboxRow>(
          `SELECT id, type, aggregate_id, version, payload, occurred_at, trace_context FROM outbox_events
           WHERE published_at IS NULL ORDER BY occurred_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [batchSize],
        );
        if (rows.length > 0) {
          await publish(rows);
          await options.beforeMarkPublished?.();
          await client.query(
            'UPDATE outbox_events SET published_at = clock_timestamp() WHERE id = ANY($1::uuid[])',
            [rows.map((row) => row.id)],
          );
        }
        await client.query('COMMIT');
        count = rows.length;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
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
    if (Date.now() - lastCleanup > 60_000) {
      lastCleanup = Date.now();
      await pool.query(
        `DELETE FROM outbox_events WHERE published_at < clock_timestamp() - $1 * interval '1 millisecond'`,
        [retentionMs],
      );
    }
  };

  const listen = async () => {
    try {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      client.on('notification', () => wake?.());
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
        await drain();
        await housekeeping();
        if (failures > 0) logger.info('outbox relay: publishing again', { service, afterFailures: failures });
        failures = 0;
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
      await Promise.all([...queues.values()].map((q) => q.close()));
      await pool.end();
    },
  };
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
