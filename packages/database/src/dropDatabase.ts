import pg from 'pg';
import { withAdminClient } from './withAdminClient.ts';

/** Drops a database even while connections are open (test teardown, resets). */
export async function dropDatabase(name: string): Promise<void> {
  await withAdminClient((client) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}
