import { type JobsOptions, Queue, type RedisOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { EventEnvelope, EventType } from '../contracts.ts';
import { deliveryOptionsOf } from '../deliveryOptions.ts';
import { signEvent } from '../eventSignature.ts';
import { appendToGatewayStream, gatewayStreamKey, streamedToGateway } from '../gatewayStream.ts';
import { onConnection } from '../inTransaction.ts';
import { eventsPublished } from '../metrics.ts';
import { queueName, subscriptions } from '../subscriptions.ts';
import { startPublishSpan, type TraceCarrier } from '../traceContext.ts';

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
 * Publishing outbox rows: each batch is claimed with FOR UPDATE SKIP LOCKED (any number of relays
 * share the work without sending a row twice), signed with the service's key, handed to every
 * subscriber's queue (and the events the gateway follows for subscriptions to its stream,
 * `streamedToGateway`), and marked published in the same transaction, only after Redis accepted
 * it: a crash in between sends again (consumers' inboxes drop the duplicate), never loses.
 */
export function createOutboxPublisher(options: {
  service: string;
  pool: pg.Pool;
  /** A fail-fast connection (`failFast`): a call to a Redis that is down fails now and the batch rolls back. */
  connection: RedisOptions;
  /** A client on that connection, for the gateway's stream (the relay's own, which it closes). */
  redis: () => Promise<Redis>;
  prefix: string;
  signingKey: string;
  batchSize: number;
  /** Deadline of one batch's hand-over to Redis. */
  commandTimeoutMs: number;
  /** The first retry delay of the jobs it sends (see `deliveryOptionsOf`). */
  retryDelayMs?: number | undefined;
  /** Fault injection for tests: after rows were claimed, before they are handed to Redis. */
  beforePublish?: (() => void | Promise<void>) | undefined;
  /** Fault injection for tests: after the batch was handed to Redis, before its rows are marked published. */
  beforeMarkPublished?: (() => void | Promise<void>) | undefined;
}) {
  const { service, pool, connection, prefix, signingKey, batchSize, commandTimeoutMs } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`The outbox batch size must be a positive integer, not ${batchSize}`);
  const claimSql = `SELECT id, type, aggregate_id, version, payload, occurred_at, trace_context FROM outbox_events
    WHERE published_at IS NULL ORDER BY occurred_at, id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`;
  const delivery = deliveryOptionsOf(options);
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let existing = queues.get(name);
    if (!existing) {
      existing = new Queue(name, { connection, prefix });
      existing.on('error', () => {}); // surfaced by the failing addBulk below
      queues.set(name, existing);
    }
    return existing;
  };

  const publish = async (rows: OutboxRow[]) => {
    const jobs = new Map<string, { name: string; data: EventEnvelope; opts: JobsOptions }[]>();
    const streamed: EventEnvelope[] = [];
    const spans = [];
    for (const row of rows) {
      const subscribers = subscriptions[row.type] ?? [];
      const toGateway = streamedToGateway.has(row.type);
      // The trace that wrote the row continues through this publish into the job (traceContext).
      const traced = startPublishSpan(row.trace_context, {
        type: row.type,
        queues: [
          ...subscribers.map((subscriber) => queueName(row.type, subscriber)),
          ...(toGateway ? [gatewayStreamKey(prefix)] : []),
        ],
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
      if (toGateway) streamed.push(event);
      for (const subscriber of subscribers) {
        const name = queueName(row.type, subscriber);
        const list = jobs.get(name) ?? [];
        // The event id as job id: a re-sent event still queued is not added twice (finished jobs
        // are removed at once, see deliveryOptions, so one sent again later is delivered again).
        list.push({ name: row.type, data: event, opts: { ...delivery, jobId: row.id } });
        jobs.set(name, list);
      }
    }
    const appendStreamed = async () => {
      if (streamed.length === 0) return;
      const pipeline = (await options.redis()).pipeline();
      for (const event of streamed) appendToGatewayStream(pipeline, prefix, event);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    };
    try {
      await Promise.all([...[...jobs].map(([name, list]) => queue(name).addBulk(list)), appendStreamed()]);
    } finally {
      for (const span of spans) span.end();
    }
  };

  return {
    /** Publishes everything pending now, batch after batch; returns the rows handed over. */
    async drain(): Promise<number> {
      let total = 0;
      for (;;) {
        // Two round trips a batch: BEGIN with the claim, the mark with COMMIT. Simple-protocol text
        // (one message, several statements), so nothing in it comes from outside: the batch size is
        // an integer checked above, the ids are the claimed rows' own.
        const count = await onConnection(pool, async (client) => {
          const [, claimed] = (await client.query(
            `BEGIN; ${claimSql}`,
          )) as unknown as pg.QueryResult<OutboxRow>[];
          const rows = claimed?.rows ?? [];
          if (rows.length === 0) {
            await client.query('COMMIT');
            return 0;
          }
          await options.beforePublish?.();
          // BullMQ's multi-command adds do not all honour ioredis' commandTimeout: the batch gets a
          // deadline of its own. Jobs that land after it are sent again later, and dropped as duplicates.
          await withTimeout(publish(rows), commandTimeoutMs, 'Redis did not accept the batch');
          await options.beforeMarkPublished?.();
          const ids = client.escapeLiteral(`{${rows.map((row) => row.id).join(',')}}`);
          await client.query(
            `UPDATE outbox_events SET published_at = clock_timestamp() WHERE id = ANY(${ids}::uuid[]); COMMIT`,
          );
          return rows.length;
        });
        total += count;
        eventsPublished.inc({ service }, count);
        if (count < batchSize) return total;
      }
    },
    /** The queues this outbox feeds (every subscriber's of every event type). */
    fedQueues(): Queue[] {
      const names = (Object.entries(subscriptions) as [EventType, readonly string[]][]).flatMap(
        ([event, subscribers]) => subscribers.map((subscriber) => queueName(event, subscriber as never)),
      );
      return [...new Set(names)].map(queue);
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
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
