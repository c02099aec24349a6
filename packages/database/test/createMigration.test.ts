import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serviceNames } from '@msd/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMigration, migrationsDir, type SchemaFile, schemaFiles } from '../src/index.ts';

const quiet = { log: () => {} };
let dir: string;
let schema: SchemaFile[];
let migrations: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'create-migration-'));
  schema = await schemaFiles('product');
  migrations = path.join(dir, 'migrations');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function listing(): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe('createMigration', () => {
  it.each(serviceNames)(
    '%s: its schema, with the shared tables the registry includes, is exactly what its migrations build, so nothing is written',
    async (service) => {
      const migrationsCopy = path.join(dir, service);
      await cp(migrationsDir(service), migrationsCopy, { recursive: true });
      const before = await listing();
      expect(
        await createMigration({
          schema: await schemaFiles(service),
          migrationsDir: migrationsCopy,
          name: 'drift',
          ...quiet,
        }),
      ).toBeNull();
      expect(await listing()).toEqual(before);
    },
  );

  it('writes the difference as the next migration folder, and nothing more after it', async () => {
    await cp(migrationsDir('product'), migrations, { recursive: true });
    const [own, ...shared] = schema as [SchemaFile, ...SchemaFile[]];
    schema = [
      { ...own, content: own.content.replace('model Product {', 'model Product {\n  color String?') },
      ...shared,
    ];
    const now = new Date('2031-02-03T04:05:06Z');

    const created = await createMigration({
      schema,
      migrationsDir: migrations,
      name: 'Add color',
      now,
      ...quiet,
    });

    expect(created?.name).toBe('20310203040506_add_color');
    const sql = await readFile(path.join(migrations, '20310203040506_add_color', 'migration.sql'), 'utf8');
    expect(sql).toBe(created?.sql);
    expect(sql).toContain('ALTER TABLE "products" ADD COLUMN     "color" TEXT;');
    expect(sql).not.toContain('CREATE TABLE');
    expect(await createMigration({ schema, migrationsDir: migrations, name: 'again', ...quiet })).toBeNull();
  });

  it('creates the first migration and the lock file from an empty history', async () => {
    const created = await createMigration({
      schema,
      migrationsDir: migrations,
      name: 'init',
      ...quiet,
    });

    expect(created?.name).toMatch(/^\d{14}_init$/);
    expect(created?.sql).toContain('CREATE TABLE "products"');
    expect(await readFile(path.join(migrations, 'migration_lock.toml'), 'utf8')).toContain(
      'provider = "postgresql"',
    );
  });

  it('rejects a name without letters or digits', async () => {
    await expect(
      createMigration({ schema, migrationsDir: migrations, name: '--', ...quiet }),
    ).rejects.toThrow(/no letters or digits/);
  });
});
