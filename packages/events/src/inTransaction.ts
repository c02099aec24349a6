import type pg from 'pg';

/**
 * Runs `work` on a pooled connection, which it may leave broken. While checked out, a connection
 * has no error listener of the pool's: a backend terminated (failover, `pg_terminate_backend`)
 * between two queries, while the work awaits something else (Redis), would emit an unhandled
 * 'error' and end the process. Here it is caught, the work fails, and the broken connection is
 * discarded. On failure, an open transaction is rolled back.
 */
export async function onConnection<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    const result = await work(client);
    if (broken) throw broken;
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Runs `work` in one transaction on a pooled connection (`onConnection`). */
export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return onConnection(pool, async (client) => {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  });
}
