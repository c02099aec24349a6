import { databaseName, roleName, type ServiceName } from '@msd/registry';
import pg from 'pg';
import type { DatabaseSettings } from './databaseConfig.ts';
import { databasePassword } from './databaseUrl.ts';
import { withAdminClient } from './withAdminClient.ts';

const provisionLockKey = 7_160_001;

export interface ProvisionedDatabase {
  database: string;
  role: string;
  created: boolean;
}

/**
 * Creates (or brings up to date) the service's role and a database it owns, that no other role may
 * open: PUBLIC's default CONNECT privilege is what would let one service read another's tables.
 */
export async function provisionDatabase(
  service: ServiceName,
  database = databaseName(service),
  settings?: DatabaseSettings,
): Promise<ProvisionedDatabase> {
  const role = roleName(service);
  const roleId = pg.escapeIdentifier(role);
  const dbId = pg.escapeIdentifier(database);
  return withAdminClient(async (client) => {
    // Test files provision in parallel: without the lock, two sessions both see the role missing
    // and the second CREATE ROLE fails (or two ALTER ROLEs hit "tuple concurrently updated").
    // Session-level, because CREATE DATABASE cannot run inside a transaction; ends with the client.
    await client.query('SELECT pg_advisory_lock($1)', [provisionLockKey]);
    const password = pg.escapeLiteral(databasePassword(service, settings));
    const roleExists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    // ALTER on every run keeps the role in step with a changed password env.
    await client.query(
      `${roleExists.rowCount ? 'ALTER' : 'CREATE'} ROLE ${roleId} WITH LOGIN PASSWORD ${password}`,
    );
    const dbExists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    const created = !dbExists.rowCount;
    if (created) await client.query(`CREATE DATABASE ${dbId} OWNER ${roleId}`);
    else await client.query(`ALTER DATABASE ${dbId} OWNER TO ${roleId}`);
    await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${dbId} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${dbId} TO ${roleId}`);
    return { database, role, created };
  }, settings);
}
