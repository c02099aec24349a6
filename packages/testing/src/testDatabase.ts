import { randomBytes } from 'node:crypto';
import { applyMigrations, databaseUrl, dropDatabase, migrationsDir, provisionDatabase } from '@msd/database';
import type { ServiceName } from '@msd/registry';

export interface TestDatabase {
  /** Connection URL with the service's own role, as the service would use. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database owned by the service's role, unique per call so test files run in
 * parallel without sharing rows.
 */
export async function createTestDatabase(service: ServiceName): Promise<TestDatabase> {
  const name = `${service}_test_${randomBytes(4).toString('hex')}`;
  await provisionDatabase(service, name);
  const url = databaseUrl(service, name);
  try {
    await applyMigrations(migrationsDir(service), url, { log: () => {} });
  } catch (error) {
    await dropDatabase(name);
    throw error;
  }
  return { url, name, drop: () => dropDatabase(name) };
}
