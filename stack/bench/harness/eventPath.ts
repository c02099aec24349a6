/**
 * The bench's view of the event path product → order: the bench databases, the consumer's queue in
 * Redis and the order service's /metrics, never a service's internals. Times come from PostgreSQL's
 * clock, the one that stamps both ends of an event's lag.
 */
import { queueName } from '@msd/events';
import { graphqlRequest, readCounter } from '@msd/testing';
import { Queue } from 'bullmq';
import pg from 'pg';
import type { CpuMeter } from './machine.ts';
import { type BenchRun, poll } from './run.ts';
import type { BenchStack } from './stack.ts';
import { round, summarize } from './stats.ts';

/**
 * Probes of `bench`'s product and order databases, the order consumer's queue (`ProductUpdated.order`)
 * and the order service's /metrics; closed by the run's cleanup.
 */
export function eventPathProbes(run: BenchRun, bench: BenchStack, cpu: CpuMeter, convergeTimeoutMs: number) {
  const productDb = new pg.Pool({ connectionString: bench.urls.product, max: 2 });
  const orderDb = new pg.Pool({ connectionString: bench.urls.order, max: 2 });
  const { connection, prefix } = bench.bus;
  const queue = new Queue(queueName('ProductUpdated', 'order'), { connection, prefix });
  run.cleanup.add('closing the event path probes', async () => {
    await queue.resume().catch(() => {});
    await queue.close().catch(() => {});
    await Promise.all([productDb.end(), orderDb.end()]);
  });
  const orderMetricsUrl = `http://127.0.0.1:${bench.stack.ports.order}/metrics`;
  const consumerQueue = queue.name;
  // biome-ignore lint/suspicious/noExplicitAny: one row of the probe's own SQL
  const one = async (db: pg.Pool, sql: string, params: unknown[] = []): Promise<any> =>
    (await db.query(sql, params)).rows[0];
  const dbNow = async (): Promise<string> =>
    (await one(productDb, 'SELECT clock_timestamp()::text AS now')).now;
  const outboxBacklog = async (): Promise<number> =>
    (await one(productDb, 'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL')).n;
  const queueCounts = async () => {
    // A paused queue's jobs are still counted as waiting.
    const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0);
    return { waiting, depth: waiting + (c.active ?? 0) };
  };
  const consumed = (outcome: string) =>
    readCounter(orderMetricsUrl, 'events_consumed_total', { queue: consumerQueue, outcome });
  /** Products whose copies do not all carry the product's current name and version. */
  const copiesBehind = async () => {
    const [owners, copies] = await Promise.all([
      productDb.query<{ id: string; name: string; version: number }>(
        'SELECT id::text, name, version FROM products',
      ),
      orderDb.query<{ id: string; name: string; version: number }>(
        'SELECT DISTINCT product_id::text AS id, product_name AS name, product_version AS version FROM order_items',
      ),
    ]);
    const current = new Map(owners.rows.map((row) => [row.id, row]));
    const behind = new Set<string>();
    for (const copy of copies.rows) {
      const owner = current.get(copy.id);
      if (owner?.name !== copy.name || owner.version !== copy.version) behind.add(copy.id);
    }
    return behind.size;
  };

  return {
    productDb,
    orderDb,
    queue,
    cpu,
    dbNow,
    outboxBacklog,
    queueCounts,
    /** The CPU, PostgreSQL's time, the queue's depth and the events the consumer applied and found stale so far. */
    async snapshot() {
      const cpuAt = cpu.snapshot();
      const [dbTime, queued, applied, stale] = await Promise.all([
        dbNow(),
        queueCounts(),
        consumed('applied'),
        consumed('stale'),
      ]);
      return { dbTime, queue: queued.depth, applied, stale, cpu: cpuAt };
    },
    /** Until the outbox and queue are empty and every copy is current. */
    async convergence() {
      const polled = await poll(
        async () => {
          const [outbox, queued, behind] = await Promise.all([
            outboxBacklog(),
            queueCounts(),
            copiesBehind(),
          ]);
          return { outbox, queue: queued.depth, behind };
        },
        (s) => s.outbox === 0 && s.queue === 0 && s.behind === 0,
        { intervalMs: 100, timeoutMs: convergeTimeoutMs, signal: run.signal },
      );
      return { converged: polled.met, elapsedMs: round(polled.elapsedMs, 0), ...polled.value };
    },
    /** One STRONG `renameProduct` through `gatewayUrl`, timed by the client, and the copies not holding the name on return. */
    async renameStrong(gatewayUrl: string, id: string, name: string) {
      const started = performance.now();
      const answer = await graphqlRequest(
        gatewayUrl,
        'mutation ($id: ID!, $name: String!) { renameProduct(id: $id, name: $name, consistency: STRONG) { id } }',
        { id, name },
        { as: 'operator' },
      );
      const ms = performance.now() - started;
      if (answer.errors) throw new Error(`STRONG rename failed: ${JSON.stringify(answer.errors)}`);
      const stale = 'SELECT count(*)::int AS n FROM order_items WHERE product_id = $1 AND product_name <> $2';
      return { ms, staleOnReturn: (await one(orderDb, stale, [id, name])).n as number };
    },
    /** Lag of the events that occurred (outbox row written) in [from, to), from the order inbox. */
    lag: (from: string, to: string) => inboxLag(orderDb, consumerQueue, from, to),
    /**
     * That lag, and where it is spent: in the relay (outbox row → `published_at`, stamped once Redis took the
     * batch) and in delivery (→ the order inbox: queue wait, pickup, the consumer's transaction up to
     * its inbox insert). The same clock again.
     */
    async lagBreakdown(from: string, to: string) {
      const [outbox, inbox] = await Promise.all([
        productDb.query<{ id: string; occurred: number; published: number | null }>(
          `SELECT id::text, extract(epoch FROM occurred_at)::float8 * 1000 AS occurred,
                  extract(epoch FROM published_at)::float8 * 1000 AS published
           FROM outbox_events
           WHERE type = 'ProductUpdated' AND occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz`,
          [from, to],
        ),
        orderDb.query<{ id: string; recorded: number }>(
          `SELECT event_id::text AS id, extract(epoch FROM processed_at)::float8 * 1000 AS recorded
           FROM processed_events WHERE consumer = $1 AND processed_at >= $2::timestamptz - interval '1 second'`,
          [consumerQueue, from],
        ),
      ]);
      const recorded = new Map(inbox.rows.map((row) => [row.id, row.recorded]));
      const published = outbox.rows.filter((row) => row.published !== null);
      const at = (row: (typeof published)[number]) => recorded.get(row.id) ?? Number.NaN;
      return {
        lagMs: await inboxLag(orderDb, consumerQueue, from, to),
        relayMs: summarize(published.map((row) => (row.published ?? 0) - row.occurred)),
        // summarize leaves out the events not recorded yet (NaN).
        deliveryMs: summarize(published.map((row) => at(row) - (row.published ?? 0))),
      };
    },
    /** Events the consumer recorded since `from` (whenever they occurred): count, first, last, span. */
    appliedSince: (
      from: string,
    ): Promise<{ n: number; first: string | null; last: string | null; span: number }> =>
      one(
        orderDb,
        `SELECT count(*)::int AS n, min(processed_at)::text AS first, max(processed_at)::text AS last,
                coalesce(extract(epoch FROM max(processed_at) - min(processed_at)), 0)::float8 AS span
         FROM processed_events WHERE consumer = $1 AND processed_at >= $2::timestamptz`,
        [consumerQueue, from],
      ),
  };
}

/**
 * The lag (`lag_ms`: recorded − occurred, both stamped by one PostgreSQL server) of the events that
 * occurred in [from, to), from `consumer`'s inbox in the database of `db`.
 */
export async function inboxLag(db: pg.Pool, consumer: string, from: string, to: string) {
  const { rows } = await db.query<{ lag: number }>(
    `SELECT lag_ms AS lag FROM processed_events
     WHERE consumer = $1
       AND processed_at - lag_ms * interval '1 millisecond' >= $2::timestamptz
       AND processed_at - lag_ms * interval '1 millisecond' < $3::timestamptz`,
    [consumer, from, to],
  );
  return summarize(rows.map((row) => Number(row.lag)));
}
