/**
 * Storage taken by copies, read from the databases and Redis of the run: the copied columns beside
 * the owner's field they copy, and what keeping them fresh stores besides (the index the copy
 * updates find rows by, the consumer's inbox, the latest owner values for write races, the owner's
 * outbox), and the gateway's entity cache. Column bytes are `pg_column_size` (data only, no tuple
 * headers); tables and indexes are their size on disk.
 */
import type { Redis } from 'ioredis';
import pg from 'pg';

export interface CopyStorage {
  copy: string;
  copies: number;
  /** The copied value and its version column, summed over the copies. */
  copyBytes: number;
  bytesPerCopy: number;
  /** The owner's own field, summed over its rows. */
  ownerRows: number;
  ownerFieldBytes: number;
  /** Copy bytes per byte of the owner's field. */
  copiesOverOwner: number;
  /** Machinery, bytes on disk. */
  ownerIdIndexBytes: number;
  inboxBytes: number;
  inboxRows: number;
  copySourcesBytes: number;
  ownerOutboxBytes: number;
  ownerOutboxRows: number;
}

interface CopySpec {
  copy: string;
  holderUrl: string;
  ownerUrl: string;
  table: string;
  valueColumn: string;
  versionColumn: string;
  ownerIdColumn: string;
  ownerTable: string;
  ownerColumn: string;
}

async function one<T extends pg.QueryResultRow>(client: pg.Client, sql: string, params: unknown[] = []) {
  const row = (await client.query<T>(sql, params)).rows[0];
  if (!row) throw new Error(`no row from ${sql}`);
  return row;
}

async function measureCopy(spec: CopySpec): Promise<CopyStorage> {
  const holder = new pg.Client({ connectionString: spec.holderUrl });
  const owner = new pg.Client({ connectionString: spec.ownerUrl });
  await Promise.all([holder.connect(), owner.connect()]);
  try {
    const copies = await one<{ n: number; bytes: number }>(
      holder,
      `SELECT count(*)::int AS n,
              coalesce(sum(pg_column_size(${spec.valueColumn}) + pg_column_size(${spec.versionColumn})), 0)::int AS bytes
       FROM ${spec.table}`,
    );
    const index = await one<{ bytes: number }>(
      holder,
      `SELECT coalesce(sum(pg_relation_size(quote_ident(indexname)::regclass)), 0)::int AS bytes
       FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%(' || $2 || ')'`,
      [spec.table, spec.ownerIdColumn],
    );
    const inbox = await one<{ bytes: number; n: number }>(
      holder,
      `SELECT pg_total_relation_size('processed_events')::int AS bytes, (SELECT count(*)::int FROM processed_events) AS n`,
    );
    const sources = await one<{ bytes: number }>(
      holder,
      `SELECT pg_total_relation_size('copy_sources')::int AS bytes`,
    );
    const field = await one<{ n: number; bytes: number }>(
      owner,
      `SELECT count(*)::int AS n, coalesce(sum(pg_column_size(${spec.ownerColumn})), 0)::int AS bytes FROM ${spec.ownerTable}`,
    );
    const outbox = await one<{ bytes: number; n: number }>(
      owner,
      `SELECT pg_total_relation_size('outbox_events')::int AS bytes, (SELECT count(*)::int FROM outbox_events) AS n`,
    );
    return {
      copy: spec.copy,
      copies: copies.n,
      copyBytes: copies.bytes,
      bytesPerCopy: copies.n ? Math.round((copies.bytes / copies.n) * 10) / 10 : 0,
      ownerRows: field.n,
      ownerFieldBytes: field.bytes,
      copiesOverOwner: field.bytes ? Math.round((copies.bytes / field.bytes) * 10) / 10 : 0,
      ownerIdIndexBytes: index.bytes,
      inboxBytes: inbox.bytes,
      inboxRows: inbox.n,
      copySourcesBytes: sources.bytes,
      ownerOutboxBytes: outbox.bytes,
      ownerOutboxRows: outbox.n,
    };
  } finally {
    await Promise.all([holder.end(), owner.end()]);
  }
}

/** The two copies of the system: `OrderItem.productName` and `Ride.driverName`. */
export function copyStorage(urls: Record<'product' | 'order' | 'driver' | 'ride', string>) {
  return Promise.all([
    measureCopy({
      copy: 'OrderItem.productName',
      holderUrl: urls.order,
      ownerUrl: urls.product,
      table: 'order_items',
      valueColumn: 'product_name',
      versionColumn: 'product_version',
      ownerIdColumn: 'product_id',
      ownerTable: 'products',
      ownerColumn: 'name',
    }),
    measureCopy({
      copy: 'Ride.driverName',
      holderUrl: urls.ride,
      ownerUrl: urls.driver,
      table: 'rides',
      valueColumn: 'driver_name',
      versionColumn: 'driver_version',
      ownerIdColumn: 'driver_id',
      ownerTable: 'drivers',
      ownerColumn: 'name',
    }),
  ]);
}

/** The gateway's entity cache in Redis: keys and bytes (`MEMORY USAGE`) under the run's prefix. */
export async function entityCacheStorage(redis: Redis, prefix: string) {
  let keys = 0;
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:ec:*`, 'COUNT', 1000);
    for (const key of batch) {
      keys++;
      bytes += (await redis.memory('USAGE', key)) ?? 0;
    }
    cursor = next;
  } while (cursor !== '0');
  return { keys, bytes };
}
