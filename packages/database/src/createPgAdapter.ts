import { PrismaPg } from '@prisma/adapter-pg';

export interface PgAdapterOptions {
  /** Connections per process (`DATABASE_POOL_MAX`, default 5); every service replica holds its own pool. */
  max?: number;
}

/**
 * The driver adapter a service hands to its own generated PrismaClient. Pools stay small: seven
 * processes and their relays share one PostgreSQL server, whose connection slots (100 by default)
 * are the scarce resource, and idle connections are released after 10 s.
 */
export function createPgAdapter(
  url: string,
  { max = Number(process.env.DATABASE_POOL_MAX ?? 5) }: PgAdapterOptions = {},
): PrismaPg {
  return new PrismaPg({ connectionString: url, max, idleTimeoutMillis: 10_000 });
}
