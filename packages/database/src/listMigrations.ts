import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm';

/** Reads a migrations folder into the engine's input shape, the way `prisma migrate` does. */
export async function listMigrations(dir: string): Promise<MigrationList> {
  const lockfile = {
    path: 'migration_lock.toml',
    content: await readFile(path.join(dir, 'migration_lock.toml'), 'utf8').catch(() => null),
  };
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: await readFile(path.join(dir, name, 'migration.sql'), 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        ),
      },
    })),
  );
  return { baseDir: dir, lockfile, shadowDbInitScript: '', migrationDirectories };
}
