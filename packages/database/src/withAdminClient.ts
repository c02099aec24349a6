import pg from 'pg';
import type { DatabaseSettings } from './databaseConfig.ts';
import { adminUrl } from './databaseUrl.ts';

/** Runs `work` on a superuser connection to the maintenance database. */
export async function withAdminClient<T>(
  work: (client: pg.Client) => Promise<T>,
  settings?: DatabaseSettings,
): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(settings) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
