import { databaseName, prismaDir, roleName, type ServiceName } from '@msd/registry';
import { type DatabaseSettings, databaseSettings, environmentDatabaseSettings } from './databaseConfig.ts';

export function adminUrl(settings: DatabaseSettings = environmentDatabaseSettings()): string {
  return settings.adminUrl;
}

export function databasePassword(
  service: ServiceName,
  settings: DatabaseSettings = environmentDatabaseSettings(),
): string {
  return settings.passwords[service] ?? `${roleName(service)}-dev-password`;
}

/**
 * The URL a service connects with: its own role, its own database. `database` overrides the name
 * (test databases owned by the same role).
 */
export function databaseUrl(
  service: ServiceName,
  database?: string,
  settings: DatabaseSettings = environmentDatabaseSettings(),
): string {
  const explicit = settings.urls[service];
  if (explicit && !database) return explicit;
  const url = new URL(explicit ?? settings.adminUrl);
  if (!explicit) {
    url.username = roleName(service);
    url.password = databasePassword(service, settings);
  }
  url.pathname = `/${database ?? databaseName(service)}`;
  return url.toString();
}

/** A service's own database in a parsed process configuration: its URL and its pool size. */
export function serviceDatabase(
  service: ServiceName,
  config: Readonly<Record<string, unknown>>,
): { databaseUrl: string; databasePoolMax: number } {
  const settings = databaseSettings(config);
  return { databaseUrl: databaseUrl(service, undefined, settings), databasePoolMax: settings.poolMax };
}

export function migrationsDir(service: ServiceName): string {
  return `${prismaDir(service)}/migrations`;
}
