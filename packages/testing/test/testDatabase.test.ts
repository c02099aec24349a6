import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../src/testDatabase.ts';

describe('createTestDatabase', () => {
  it('gives a migrated database of its own, owned by the service role, and drops it', async () => {
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
  });
});
