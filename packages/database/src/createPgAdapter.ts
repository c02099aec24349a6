import { PrismaPg } from '@prisma/adapter-pg';

export interface PgAdapterOptions {
  /** Connections per process; every service replica holds its own pool. */
  max?: number;
}

/** The driver adapter a service hands to its own generated PrismaClient. */
export function createPgAdapter(url: string, { max = 10 }: PgAdapterOptions = {}): PrismaPg {
  return new PrismaPg({ connectionString: url, max });
}
