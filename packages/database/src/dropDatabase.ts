import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { withAdminClient } from './withAdminClient.ts';

/** How long sessions that are closing on their own get before the drop ends them. */
const closingGraceMs = 1_000;

/**
 * Drops a database even while connections are open (test teardown, resets). Sessions already
 * closing are let go first: `pg.Pool#end()` resolves before its connections are gone, and a forced
 * drop would end them with an error ("terminating connection due to administrator command") that
 * the ended pool re-emits where nobody listens any more.
 */
export async function dropDatabase(name: string): Promise<void> {
  await withAdminClient(async (client) => {
    const deadline = Date.now() + closingGraceMs;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      if (rows[0]?.n === 0 || Date.now() >= deadline) break;
      await sleep(25);
    }
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
