import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

export interface PgAdapterOptions {
  /** Connections per process (`DATABASE_POOL_MAX`, default 5); every service replica holds its own pool. */
  max?: number;
}

/**
 * The connection pool of a service's database. Pools stay small: seven processes and their relays
 * share one PostgreSQL server, whose connection slots (100 by default) are the scarce resource, and
 * idle connections are released after 10 s.
 *
 * Every connection gets an error listener for its whole life: a backend terminated (a failover,
 * `pg_terminate_backend`) while its connection is between two uses would otherwise emit an
 * unhandled 'error' and end the process. The failing query reports the error, and the pool drops
 * the connection when it comes back (it is no longer queryable).
 */
export function createServicePool(url: string, { max = 5 }: PgAdapterOptions = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 10_000 });
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {}); // an idle connection lost: the pool has already removed it
  return pool;
}

/** The driver adapter a service hands to its own generated PrismaClient, over its pool (closed with it). */
export function createPgAdapter(pool: pg.Pool): PrismaPg {
  return new PrismaPg(pool, { disposeExternalPool: true });
}
