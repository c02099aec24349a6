import type pg from 'pg';
import type { SqlTransaction } from './appendToOutbox.ts';
import { rowsPruned } from './metrics.ts';

const BATCH = 5_000;

/**
 * Deletes the rows of `table` matching `where`, 5,000 at a time, each batch its own statement: a
 * large backlog never becomes one long transaction holding locks and bloating the WAL. Returns the
 * rows deleted. `table` and `where` come from code, never from input.
 */
export async function deleteInBatches(
  db: pg.Pool | SqlTransaction,
  table: string,
  where: string,
  values: unknown[],
): Promise<number> {
  const sql = `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${BATCH}))`;
  let total = 0;
  for (;;) {
    const deleted =
      'query' in db
        ? ((await db.query(sql, values)).rowCount ?? 0)
        : await db.$executeRawUnsafe(sql, ...values);
    total += deleted;
    if (deleted < BATCH) break;
  }
  if (total > 0) rowsPruned.inc({ table }, total);
  return total;
}
