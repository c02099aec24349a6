import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, dropDatabase, provisionDatabase, withAdminClient } from '../src/index.ts';

const suffix = randomBytes(4).toString('hex');
const productDb = `product_test_${suffix}`;
const orderDb = `order_test_${suffix}`;

async function connect(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.end();
}

describe('provisionDatabase', () => {
  beforeAll(async () => {
    await provisionDatabase('product', productDb);
    await provisionDatabase('order', orderDb);
  });
  afterAll(async () => {
    await dropDatabase(productDb);
    await dropDatabase(orderDb);
  });

  it('lets a service open its own database', async () => {
    await expect(connect(databaseUrl('product', productDb))).resolves.toBeUndefined();
    await expect(connect(databaseUrl('order', orderDb))).resolves.toBeUndefined();
  });

  it("refuses one service's credentials on another service's database", async () => {
    const productOnOrder = new URL(databaseUrl('product', productDb));
    productOnOrder.pathname = `/${orderDb}`;
    await expect(connect(productOnOrder.toString())).rejects.toMatchObject({ code: '42501' });
    const orderOnProduct = new URL(databaseUrl('order', orderDb));
    orderOnProduct.pathname = `/${productDb}`;
    await expect(connect(orderOnProduct.toString())).rejects.toMatchObject({ code: '42501' });
  });

  it('is idempotent and keeps the database owned by the service role', async () => {
    const again = await provisionDatabase('product', productDb);
    expect(again).toEqual({ database: productDb, role: 'product_svc', created: false });
    const owner = await withAdminClient((client) =>
      client.query<{ owner: string }>(
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
        [productDb],
      ),
    );
    expect(owner.rows).toEqual([{ owner: 'product_svc' }]);
  });

  it('drops a database that still has open connections', async () => {
    const name = `product_test_${randomBytes(4).toString('hex')}`;
    await provisionDatabase('product', name);
    const client = new pg.Client({ connectionString: databaseUrl('product', name) });
    await client.connect();
    client.on('error', () => {});
    await dropDatabase(name);
    const left = await withAdminClient((admin) =>
      admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]),
    );
    expect(left.rowCount).toBe(0);
    await client.end().catch(() => {});
  });
});

describe('provisionDatabase in parallel', () => {
  it('provisions many databases of one service at once, as parallel test files do', async () => {
    const names = Array.from({ length: 6 }, () => `driver_test_${randomBytes(4).toString('hex')}`);
    try {
      // allSettled: on failure, cleanup must wait for every creation still in flight.
      const results = await Promise.allSettled(names.map((name) => provisionDatabase('driver', name)));
      expect(results.map((result) => result.status === 'fulfilled' && result.value.created)).toEqual(
        names.map(() => true),
      );
    } finally {
      await Promise.all(names.map(dropDatabase));
    }
  });
});
