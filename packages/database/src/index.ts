export { type ApplyMigrationsOptions, applyMigrations } from './applyMigrations.ts';
export { type CreatedMigration, type CreateMigrationOptions, createMigration } from './createMigration.ts';
export { createPgAdapter, createServicePool, type PgAdapterOptions } from './createPgAdapter.ts';
export { type DatabaseSettings, databaseSettings, environmentDatabaseSettings } from './databaseConfig.ts';
export { databaseLifecycle } from './databaseLifecycle.ts';
export {
  adminUrl,
  databasePassword,
  databaseUrl,
  migrationsDir,
  serviceDatabase,
} from './databaseUrl.ts';
export { dropDatabase } from './dropDatabase.ts';
export { generateClients } from './generateClients.ts';
export { listMigrations } from './listMigrations.ts';
export { type MigrateAllOptions, migrateAll } from './migrateAll.ts';
export { openServiceDatabase, type PlainSql, plainSql, type SqlStatement } from './openServiceDatabase.ts';
export { type ProvisionedDatabase, provisionDatabase } from './provisionDatabase.ts';
export { includeSharedTables, type SchemaFile, schemaFiles } from './schemaFiles.ts';
export { withAdminClient } from './withAdminClient.ts';
export { withSchemaEngine } from './withSchemaEngine.ts';
