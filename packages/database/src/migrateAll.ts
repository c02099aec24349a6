import { databaseName, type ServiceName, serviceNames } from '@msd/registry';
import { applyMigrations } from './applyMigrations.ts';
import { databaseUrl, migrationsDir } from './databaseUrl.ts';
import { provisionDatabase } from './provisionDatabase.ts';

export interface MigrateAllOptions {
  /** Database name per service; the default is each service's own (`product_db`, ...). */
  database?: (service: ServiceName) => string;
  log?: (line: string) => void;
}

/**
 * Brings every service's database to its latest migration: creates missing roles and databases
 * (each reachable by its own role only), then applies pending migrations. Idempotent.
 * Returns the connection URL of each service.
 */
export async function migrateAll({
  database = databaseName,
  log = console.log,
}: MigrateAllOptions = {}): Promise<Record<ServiceName, string>> {
  const urls = {} as Record<ServiceName, string>;
  for (const service of serviceNames) {
    const provisioned = await provisionDatabase(service, database(service));
    if (provisioned.created) log(`${provisioned.database}: created, owned by ${provisioned.role}`);
    urls[service] = databaseUrl(service, database(service));
    await applyMigrations(migrationsDir(service), urls[service], { log });
  }
  return urls;
}
