import { randomBytes } from 'node:crypto';
import {
  applyMigrations,
  databaseUrl,
  dropDatabase,
  migrationsDir,
  provisionDatabase,
  withAdminClient,
} from '@msd/database';
import { roleName, type ServiceName } from '@msd/registry';
import pg from 'pg';

export interface TestDatabase {
  /** Connection URL with the service's own role, as the service would use. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A migrated database per service, copied for each test database instead of migrating it again. */
export type DatabaseTemplates = Partial<Record<ServiceName, string>>;

let templates: DatabaseTemplates = {};

/** Makes `createTestDatabase` copy these templates (the test run's setup made them). */
export function useDatabaseTemplates(made: DatabaseTemplates): void {
  templates = made;
}

/**
 * A fresh, migrated database owned by the service's role, unique per call so test files run in
 * parallel without sharing rows: a copy of the run's template when there is one (a file copy
 * takes milliseconds where migrating takes a second or more), else migrated here.
 */
export async function createTestDatabase(service: ServiceName): Promise<TestDatabase> {
  const name = `${service}_test_${randomBytes(4).toString('hex')}`;
  const template = templates[service];
  if (template) await copyDatabase(service, template, name);
  else await createMigratedDatabase(service, name);
  return { url: databaseUrl(service, name), name, drop: () => dropDatabase(name) };
}

/**
 * One migrated database per service under `<service>_template_<runId>`, for a test run to copy;
 * `drop` removes them.
 */
export async function createDatabaseTemplates(
  services: readonly ServiceName[],
  runId: string,
): Promise<{ templates: DatabaseTemplates; drop(): Promise<void> }> {
  const made: DatabaseTemplates = {};
  const drop = () => Promise.all(Object.values(made).map((name) => dropDatabase(name))).then(() => {});
  try {
    // One at a time: several schema engines (WASM) at once in one process can crash it.
    for (const service of services) {
      const name = `${service}_template_${runId}`;
      await createMigratedDatabase(service, name);
      made[service] = name;
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { templates: made, drop };
}

async function createMigratedDatabase(service: ServiceName, name: string): Promise<void> {
  await provisionDatabase(service, name);
  try {
    await applyMigrations(migrationsDir(service), databaseUrl(service, name), { log: () => {} });
  } catch (error) {
    await dropDatabase(name);
    throw error;
  }
}

/** The template's tables (owned by the service's role) come with the copy; the database's own grants do not. */
async function copyDatabase(service: ServiceName, template: string, name: string): Promise<void> {
  const [db, role] = [pg.escapeIdentifier(name), pg.escapeIdentifier(roleName(service))];
  await withAdminClient(async (client) => {
    await client.query(`CREATE DATABASE ${db} TEMPLATE ${pg.escapeIdentifier(template)} OWNER ${role}`);
    await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${db} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${role}`);
  });
}
