import { databaseUrlVariable, type ServiceName, serviceNames } from '@msd/registry';
import { databasePasswordVariable, databaseVariables, loadVariables } from '@msd/service-kit';

// The database package's configuration module: the tools that are not a service process
// (migrations, the launcher, tests) take their database settings from their own environment here.

/** Where the databases are: the parsed database variables (`databaseVariables` of @msd/service-kit). */
export interface DatabaseSettings {
  adminUrl: string;
  poolMax: number;
  /** Connection strings given whole (`<SERVICE>_DATABASE_URL`). */
  urls: Partial<Record<ServiceName, string>>;
  /** Passwords of the service roles in derived URLs (`<SERVICE>_DATABASE_PASSWORD`). */
  passwords: Partial<Record<ServiceName, string>>;
}

/** The database settings of a parsed configuration (a process's, or the database variables alone). */
export function databaseSettings(config: Readonly<Record<string, unknown>>): DatabaseSettings {
  const perService = (variable: (service: ServiceName) => string) =>
    Object.fromEntries(
      serviceNames.flatMap((service) => {
        const value = config[variable(service)];
        return typeof value === 'string' ? [[service, value]] : [];
      }),
    );
  return {
    adminUrl: String(config.DATABASE_ADMIN_URL),
    poolMax: Number(config.DATABASE_POOL_MAX),
    urls: perService(databaseUrlVariable),
    passwords: perService(databasePasswordVariable),
  };
}

let fromEnvironment: DatabaseSettings | undefined;
let debugEnvironment: boolean | undefined;

/** `DEBUG_SCHEMA_ENGINE` (any value) of this process: the migration tools then print the schema engine's log. */
export function schemaEngineDebug(): ((line: string) => void) | undefined {
  debugEnvironment ??= Boolean(process.env.DEBUG_SCHEMA_ENGINE);
  return debugEnvironment ? (line) => console.error('[schema-engine]', line) : undefined;
}

/**
 * For the tools that are not a service process (migrations, the launcher, tests): this process's
 * database variables, parsed once (a bad value throws ConfigError naming it).
 */
export function environmentDatabaseSettings(): DatabaseSettings {
  fromEnvironment ??= databaseSettings(loadVariables(databaseVariables, process.env));
  return fromEnvironment;
}
