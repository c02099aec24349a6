/**
 * Storage taken by copies, read from the databases and Redis of the run: the copied columns beside
 * the owner's field they copy, and what keeping them fresh stores besides (the index the copy
 * updates find rows by, the consumer's inbox, the latest owner values for write races, the owner's
 * outbox), and the gateway's entity cache. Column bytes are `pg_column_size` (data only, no tuple
 * headers); tables and indexes are their size on disk.
 */
import type { Redis } from 'ioredis';
import { withClient } from '../harness/index.ts';

const row = (url: string, sql: string, params: unknown[] = []) =>
  withClient(url, async (db) => (await db.query<Record<string, number>>(sql, params)).rows[0] ?? {});

/** One copy: `<of>_name` (with `<of>_version`) in `table` copies the name of `<of>s`, found by `<of>_id`. */
async function measureCopy(copy: string, holderUrl: string, ownerUrl: string, table: string, of: string) {
  const [holder, owner] = await Promise.all([
    row(
      holderUrl,
      `SELECT count(*)::int AS n,
              coalesce(sum(pg_column_size(${of}_name) + pg_column_size(${of}_version)), 0)::int AS bytes,
              (SELECT coalesce(sum(pg_relation_size(quote_ident(indexname)::regclass)), 0)::int FROM pg_indexes
               WHERE tablename = $1 AND indexdef LIKE '%(' || $2 || ')') AS index,
              pg_total_relation_size('processed_events')::int AS inbox,
              (SELECT count(*)::int FROM processed_events) AS "inboxRows",
              pg_total_relation_size('copy_sources')::int AS sources
       FROM ${table}`,
      [table, `${of}_id`],
    ),
    row(
      ownerUrl,
      `SELECT count(*)::int AS n, coalesce(sum(pg_column_size(name)), 0)::int AS bytes,
              pg_total_relation_size('outbox_events')::int AS outbox,
              (SELECT count(*)::int FROM outbox_events) AS "outboxRows"
       FROM ${of}s`,
    ),
  ]);
  const [copies = 0, copyBytes = 0, fieldBytes = 0] = [holder.n, holder.bytes, owner.bytes];
  return {
    copy,
    copies,
    /** The copied value and its version column, summed over the copies. */
    copyBytes,
    bytesPerCopy: copies ? Math.round((copyBytes / copies) * 10) / 10 : 0,
    ownerRows: owner.n ?? 0,
    /** The owner's own field, summed over its rows. */
    ownerFieldBytes: fieldBytes,
    copiesOverOwner: fieldBytes ? Math.round((copyBytes / fieldBytes) * 10) / 10 : 0,
    ownerIdIndexBytes: holder.index ?? 0,
    inboxBytes: holder.inbox ?? 0,
    inboxRows: holder.inboxRows ?? 0,
    copySourcesBytes: holder.sources ?? 0,
    ownerOutboxBytes: owner.outbox ?? 0,
    ownerOutboxRows: owner.outboxRows ?? 0,
  };
}
export type CopyStorage = Awaited<ReturnType<typeof measureCopy>>;

/** The two copies of the system: `OrderItem.productName` and `Ride.driverName`. */
export const copyStorage = (urls: Record<'product' | 'order' | 'driver' | 'ride', string>) =>
  Promise.all([
    measureCopy('OrderItem.productName', urls.order, urls.product, 'order_items', 'product'),
    measureCopy('Ride.driverName', urls.ride, urls.driver, 'rides', 'driver'),
  ]);

/** The gateway's entity cache in Redis: keys and bytes (`MEMORY USAGE`) under the run's prefix. */
export async function entityCacheStorage(redis: Redis, prefix: string) {
  let [keys, bytes, cursor] = [0, 0, '0'];
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:ec:*`, 'COUNT', 1000);
    for (const key of batch) bytes += (await redis.memory('USAGE', key)) ?? 0;
    keys += batch.length;
    cursor = next;
  } while (cursor !== '0');
  return { keys, bytes };
}
