import { databaseName, databaseUrlVariable, prismaDir, roleName, type ServiceName } from '@msd/registry';

export function adminUrl(): string {
  return process.env.DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export function databasePassword(service: ServiceName): string {
  return process.env[`${service.toUpperCase()}_DATABASE_PASSWORD`] ?? `${roleName(service)}-dev-password`;
}

/**
 * The URL a service connects with: its own role, its own database. `database` overrides the name
 * (test databases owned by the same role).
 */
export function databaseUrl(service: ServiceName, database?: string): string {
  const explicit = process.env[databaseUrlVariable(service)];
  if (explicit && !database) return explicit;
  const url = new URL(explicit ?? adminUrl());
  if (!explicit) {
    url.username = roleName(service);
    url.password = databasePassword(service);
  }
  url.pathname = `/${database ?? databaseName(service)}`;
  return url.toString();
}

export function migrationsDir(service: ServiceName): string {
  return `${prismaDir(service)}/migrations`;
}
