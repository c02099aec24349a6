import { withAdminClient } from '@msd/database';
import { graphqlRequest } from '@msd/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

// PostgreSQL ends the connections under the product service's outbox relay and the order service's
// ProductUpdated consumer (a failover, a restart, an idle timeout): both must reconnect by
// themselves, and every acknowledged rename must reach every copy exactly once.
let federation: TestFederation;
let productIds: string[];
let productDb: pg.Pool;
let orderDb: pg.Pool;

beforeAll(async () => {
  federation = await startTestFederation({ events: true });
  ({ productIds } = await seedOrders(federation.gatewayUrl, { products: 2, orders: 4, itemsPerOrder: 2 }));
  // Named, so that the terminations spare the test's own sessions.
  const observer = { max: 1, application_name: 'test-observer' };
  productDb = new pg.Pool({ connectionString: federation.subgraphs.product.databaseUrl, ...observer });
  orderDb = new pg.Pool({ connectionString: federation.subgraphs.order.databaseUrl, ...observer });
}, 120_000);
afterAll(async () => {
  await productDb?.end();
  await orderDb?.end();
  await federation?.stop();
});

/** Ends every session on the service's database but the test's: the relay's, the consumer's, the pools'. */
async function terminateBackends(databaseUrl: string): Promise<number> {
  const database = new URL(databaseUrl).pathname.slice(1);
  return withAdminClient(async (client) => {
    const { rowCount } = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> 'test-observer'`,
      [database],
    );
    return rowCount ?? 0;
  });
}

/** Renames through the gateway until acknowledged: a write on a connection just ended may fail, and is retried. */
async function rename(id: string, name: string) {
  await vi.waitFor(
    async () => {
      const { errors } = await graphqlRequest(
        federation.gatewayUrl,
        'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
        { id, name },
        { as: 'operator' },
      );
      expect(errors).toBeUndefined();
    },
    { timeout: 15_000, interval: 100 },
  );
}

describe('a PostgreSQL connection terminated under a relay and a consumer', () => {
  it('recovers both: every acknowledged rename reaches every copy, each event applied once', async () => {
    const terminated: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [k, id] of productIds.entries()) await rename(id, `Round ${round} product ${k}`);
      // Right after the writes: the relay is publishing them and the consumer applying them.
      terminated.push(
        await terminateBackends(federation.subgraphs.product.databaseUrl),
        await terminateBackends(federation.subgraphs.order.databaseUrl),
      );
    }
    // Every round ended sessions of the two services (a pool, the relay, the consumer; an idle pool
    // may hold none at that moment, so the count is per round, not per service).
    for (let round = 0; round < 3; round++)
      expect((terminated[2 * round] ?? 0) + (terminated[2 * round + 1] ?? 0)).toBeGreaterThan(0);

    // Every copy follows its owner's last name, at the owner's version.
    await vi.waitFor(
      async () => {
        const owners = await productDb.query<{ id: string; name: string; version: number }>(
          'SELECT id::text, name, version FROM products WHERE id = ANY($1::uuid[])',
          [productIds],
        );
        for (const owner of owners.rows) {
          expect(owner.name).toMatch(/^Round 2 /);
          const copies = await orderDb.query<{ product_name: string; product_version: number }>(
            'SELECT product_name, product_version FROM order_items WHERE product_id = $1::uuid',
            [owner.id],
          );
          expect(copies.rows.length).toBeGreaterThan(0);
          for (const copy of copies.rows)
            expect(copy).toEqual({ product_name: owner.name, product_version: owner.version });
        }
      },
      { timeout: 60_000, interval: 200 },
    );
    // Nothing lost: the relay published every row; nothing doubled: each event in the inbox once.
    await vi.waitFor(
      async () => {
        const { rows } = await productDb.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
        );
        expect(rows[0]!.n).toBe(0);
      },
      { timeout: 30_000, interval: 200 },
    );
    const published = await productDb.query<{ id: string }>(
      `SELECT id::text FROM outbox_events WHERE type = 'ProductUpdated' AND aggregate_id = ANY($1::text[])`,
      [productIds],
    );
    const applied = await orderDb.query<{ event_id: string }>(
      `SELECT event_id::text FROM processed_events WHERE consumer = 'ProductUpdated.order'`,
    );
    expect(published.rows).toHaveLength(3 * productIds.length);
    // The inbox holds each event once by its key: applied twice would be a second effect without
    // a second row, which the versions above rule out (each copy at its owner's version).
    expect(applied.rows).toHaveLength(published.rows.length);
    expect(new Set(applied.rows.map((row) => row.event_id))).toEqual(
      new Set(published.rows.map((row) => row.id)),
    );
  }, 180_000);
});
