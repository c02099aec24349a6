import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { listMigrations } from './listMigrations.ts';
import { withSchemaEngine } from './withSchemaEngine.ts';

export interface ApplyMigrationsOptions {
  log?: (line: string) => void;
}

/**
 * `prisma migrate deploy` without the native engine: applies the migrations folder to `url` and
 * records each one in `_prisma_migrations`, so the native CLI sees the same history.
 * Returns the names of the migrations it applied (none when the database is current).
 */
export async function applyMigrations(
  migrationsDirectory: string,
  url: string,
  { log = console.log }: ApplyMigrationsOptions = {},
): Promise<string[]> {
  const migrationsList = await listMigrations(migrationsDirectory);
  const { database } = parseDatabase(url);
  if (migrationsList.migrationDirectories.length === 0) {
    log(`${database}: no migrations in ${migrationsDirectory}`);
    return [];
  }
  // Our own pool, ended below: freeing the engine neither disposes its adapter nor releases the
  // migrations advisory lock it took, which only closing the connection does.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const { appliedMigrationNames } = await withSchemaEngine(new PrismaPg(pool), (engine) =>
    engine.applyMigrations({ migrationsList, filters: { externalTables: [], externalEnums: [] } }),
  ).finally(() => pool.end());
  log(
    appliedMigrationNames.length
      ? `${database}: applied ${appliedMigrationNames.join(', ')}`
      : `${database}: up to date (${migrationsList.migrationDirectories.length} migrations)`,
  );
  return appliedMigrationNames;
}

function parseDatabase(url: string) {
  return { database: decodeURIComponent(new URL(url).pathname.slice(1)) };
}
