import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every process that owns a database: the six services and the coordinator (its transaction log). */
export const services = [
  'product',
  'order',
  'inventory',
  'shipping',
  'driver',
  'ride',
  'coordinator',
] as const;
export type ServiceName = (typeof services)[number];

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function isServiceName(value: string): value is ServiceName {
  return (services as readonly string[]).includes(value);
}

export function databaseName(service: ServiceName): string {
  return `${service}_db`;
}

export function roleName(service: ServiceName): string {
  return `${service}_svc`;
}

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
  const explicit = process.env[`${service.toUpperCase()}_DATABASE_URL`];
  if (explicit && !database) return explicit;
  const url = new URL(explicit ?? adminUrl());
  if (!explicit) {
    url.username = roleName(service);
    url.password = databasePassword(service);
  }
  url.pathname = `/${database ?? databaseName(service)}`;
  return url.toString();
}

export function schemaPath(service: ServiceName): string {
  return path.join(repoRoot, 'prisma', service, 'schema.prisma');
}

export function migrationsDir(service: ServiceName): string {
  return path.join(repoRoot, 'prisma', service, 'migrations');
}
