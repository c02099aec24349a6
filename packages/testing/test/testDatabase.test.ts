import { randomBytes } from 'node:crypto';
import { withAdminClient } from '@msd/database';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase, dropRunTestDatabases, useDatabaseTemplates } from '../src/testDatabase.ts';

const exists = (name: string) =>
  withAdminClient(
    async (client) =>
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1,
  );

describe('createTestDatabase', () => {
  it('gives a migrated database of its own, owned by the service role, and drops it', async () => {
    // Outside a run that drops its databases at its end: `drop()` drops at once.
    useDatabaseTemplates(inject('databaseTemplates'));
    try {
      const db = await createTestDatabase('order');
      expect(db.name).toMatch(/^order_test_[0-9a-f]{8}$/);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string; tables: string[] }>(
          `SELECT current_user AS user, array_agg(tablename::text ORDER BY tablename) AS tables
             FROM pg_tables WHERE schemaname = 'public'`,
        );
        expect(rows[0]?.user).toBe('order_svc');
        expect(rows[0]?.tables).toEqual(
          expect.arrayContaining(['_prisma_migrations', 'order_items', 'orders']),
        );
      } finally {
        await client.end();
      }
      await db.drop();
      await expect(new pg.Client({ connectionString: db.url }).connect()).rejects.toMatchObject({
        code: '3D000',
      });
    } finally {
      useDatabaseTemplates(inject('databaseTemplates'), { runId: inject('testDatabaseRun') });
    }
  });

  it("in a run that drops its databases at its end: drop() closes one at once, ending its sessions; the run's end drops it", async () => {
    const runId = randomBytes(4).toString('hex');
    useDatabaseTemplates(inject('databaseTemplates'), { runId });
    try {
      const [db, other] = [await createTestDatabase('order'), await createTestDatabase('product')];
      expect(db.name).toMatch(new RegExp(`^order_test_${runId}_[0-9a-f]{8}$`));
      const session = new pg.Client({ connectionString: db.url });
      session.on('error', () => {}); // ended by the close below
      await session.connect();
      await db.drop();
      await expect(session.query('SELECT 1')).rejects.toThrow();
      await expect(new pg.Client({ connectionString: db.url }).connect()).rejects.toMatchObject({
        code: '55000', // not accepting connections
      });
      expect(await exists(db.name)).toBe(true);
      // Only this run's: the other run's databases stay.
      expect(await dropRunTestDatabases(runId)).toBe(2);
      expect(await exists(db.name)).toBe(false);
      expect(await exists(other.name)).toBe(false);
      expect(await exists(inject('databaseTemplates').order!)).toBe(true);
    } finally {
      await dropRunTestDatabases(runId);
      useDatabaseTemplates(inject('databaseTemplates'), { runId: inject('testDatabaseRun') });
    }
  });
});
