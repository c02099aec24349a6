import type { OrderDatabase } from './database.ts';

export interface PlacedOrdersSummary {
  count: number;
  /** Seconds since the oldest order still PLACED was placed; 0 when none is. */
  oldestAgeSeconds: number;
}

/** Orders still waiting for inventory's verdict (the `(status, created_at)` index keeps this small). */
export async function placedOrdersSummary(db: OrderDatabase): Promise<PlacedOrdersSummary> {
  const [row] = await db.$queryRaw<{ count: number; oldest: number | null }[]>`
    SELECT count(*)::int AS count,
           EXTRACT(EPOCH FROM clock_timestamp() - min(created_at))::float8 AS oldest
    FROM orders WHERE status = 'PLACED'`;
  return { count: row?.count ?? 0, oldestAgeSeconds: row?.oldest ?? 0 };
}
