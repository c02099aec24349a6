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
/** The run that drops this process's test databases at its end (`dropRunTestDatabases`), if any. */
let dropsAtEnd: string | undefined;

/**
 * Makes `createTestDatabase` copy these templates (the test run's setup made them). With `runId`,
 * the run drops the test databases at its end, all at once (see `dropRunTestDatabases`): a test's
 * `drop()` then closes its database to connections at once instead of dropping it.
 */
export function useDatabaseTemplates(made: DatabaseTemplates, options: { runId?: string } = {}): void {
  templates = made;
  dropsAtEnd = options.runId;
}

/**
 * A fresh, migrated database owned by the service's role, unique per call so test files run in
 * parallel without sharing rows: a copy of the run's template when there is one (a file copy
 * takes milliseconds where migrating takes a second or more), else migrated here.
 */
export async function createTestDatabase(service: ServiceName): Promise<TestDatabase> {
  const run = dropsAtEnd;
  const name = `${service}_test_${run ? `${run}_` : ''}${randomBytes(4).toString('hex')}`;
  const template = templates[service];
  if (template) await copyDatabase(service, template, name);
  else await createMigratedDatabase(service, name);
  return {
    url: databaseUrl(service, name),
    name,
    drop: () => (run ? closeDatabase(name) : dropDatabase(name)),
  };
}

/**
 * PostgreSQL 15 forces a checkpoint on every DROP DATABASE (a second or more on a busy server, most
 * of a test file's teardown), and drops at the same time share one. So a run's test databases are
 * closed when their file ends (no connection is let in again, those left are ended, after the same
 * grace `dropDatabase` gives closing sessions) and dropped together when the run ends.
 */
async function closeDatabase(name: string): Promise<void> {
  await withAdminClient(async (client) => {
    const deadline = Date.now() + 1_000;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      if (rows[0]?.n === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} WITH ALLOW_CONNECTIONS false`);
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
  });
}

/** Drops every test database of the run `runId` (see `useDatabaseTemplates`), many at once; returns how many. */
export async function dropRunTestDatabases(runId: string): Promise<number> {
  const names = await withAdminClient(async (client) =>
    (
      await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname ~ $1', [
        `^[a-z]+_test_${runId}_[0-9a-f]{8}$`,
      ])
    ).rows.map((row) => row.datname),
  );
  // A few connections of the shared server at a time; drops under way together share a checkpoint.
  const pending = [...names];
  const dropper = async () => {
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) await dropDatabase(name);
  };
  await Promise.all(Array.from({ length: Math.min(16, names.length) }, dropper));
  return names.length;
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
