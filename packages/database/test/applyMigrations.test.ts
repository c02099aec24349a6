import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { serviceNames } from '@msd/registry';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  databaseUrl,
  dropDatabase,
  migrationsDir,
  provisionDatabase,
} from '../src/index.ts';

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.map(dropDatabase));
});

describe.each(serviceNames)('applyMigrations(%s)', (service) => {
  it('applies every migration once and records it like prisma migrate deploy', async () => {
    const name = `${service}_test_${randomBytes(4).toString('hex')}`;
    created.push(name);
    await provisionDatabase(service, name);
    const url = databaseUrl(service, name);
    const onDisk = (await readdir(migrationsDir(service), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(onDisk.length).toBeGreaterThan(0);

    const quiet = { log: () => {} };
    expect(await applyMigrations(migrationsDir(service), url, quiet)).toEqual(onDisk);
    expect(await applyMigrations(migrationsDir(service), url, quiet)).toEqual([]);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        migration_name: string;
        finished: boolean;
        rolled_back: boolean;
      }>(
        `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
           FROM _prisma_migrations ORDER BY migration_name`,
      );
      expect(rows).toEqual(
        onDisk.map((migration_name) => ({ migration_name, finished: true, rolled_back: false })),
      );
    } finally {
      await client.end();
    }
  });
});
