import { graphqlRequest, startTestSubgraph, type TestSubgraph } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProductDatabase } from '../src/data/database.ts';
import { createProductServer } from '../src/server.ts';

let product: TestSubgraph;
beforeAll(async () => {
  product = await startTestSubgraph('product', createProductServer);
  // The sku the duplicate case collides with, whatever ran before.
  expect((await create({ sku: 'TAKEN-1', name: 'Taken', price: 1 })).errors).toBeUndefined();
});
afterAll(() => product?.stop());

const call = (query: string, variables?: Record<string, unknown>) =>
  graphqlRequest(product.url, query, variables, { asService: 'product' });

const FIELDS = 'id sku name description price version updatedAt';
const create = async (input: Record<string, unknown>) =>
  call(`mutation ($input: CreateProductInput!) { createProduct(input: $input) { ${FIELDS} } }`, { input });

describe('product service', () => {
  it('creates, reads and updates a product, bumping its version on every write', async () => {
    const created = await create({ sku: 'MUG-1', name: '  Mug ', description: 'Stoneware', price: 12.5 });
    expect(created.errors).toBeUndefined();
    const mug = (created.data as { createProduct: Record<string, unknown> }).createProduct;
    expect(mug).toMatchObject({
      sku: 'MUG-1',
      name: 'Mug',
      description: 'Stoneware',
      price: 12.5,
      version: 1,
    });

    const updated = await call(
      `mutation ($id: ID!) { updateProduct(id: $id, input: { name: "Big Mug", price: 14.99 }) { ${FIELDS} } }`,
      { id: mug.id },
    );
    expect(updated.data?.updateProduct).toMatchObject({
      name: 'Big Mug',
      price: 14.99,
      description: 'Stoneware',
      version: 2,
    });

    const read = await call(`query ($id: ID!) { product(id: $id) { ${FIELDS} } }`, { id: mug.id });
    expect(read.data?.product).toEqual(updated.data?.updateProduct);
  });

  it('answers null for an id that does not exist or is not an id at all', async () => {
    const read = await call(
      '{ a: product(id: "00000000-0000-7000-8000-000000000000") { id } b: product(id: "nope") { id } }',
    );
    expect(read).toMatchObject({ status: 200, data: { a: null, b: null } });
    expect(read.errors).toBeUndefined();
  });

  it('pages through products in creation order with first/after', async () => {
    for (const n of [1, 2, 3]) await create({ sku: `PAGE-${n}`, name: `Page ${n}`, price: n });
    const all = await call('{ products(first: 100) { id sku } }');
    const skus = (all.data!.products as { id: string; sku: string }[]).map((p) => p.sku);
    expect(skus.slice(-3)).toEqual(['PAGE-1', 'PAGE-2', 'PAGE-3']);
    const ids = (all.data!.products as { id: string }[]).map((p) => p.id);
    const next = await call('query ($after: String) { products(first: 2, after: $after) { id } }', {
      after: ids[0],
    });
    expect((next.data!.products as { id: string }[]).map((p) => p.id)).toEqual(ids.slice(1, 3));
  });

  it.each([
    [{ sku: 'BAD-1', name: ' ', price: 1 }, 'name'],
    [{ sku: 'BAD-2', name: 'Bad', price: -1 }, 'price'],
    [{ sku: 'BAD-3', name: 'Bad', price: 1.234 }, 'price'],
    [{ sku: 'TAKEN-1', name: 'Duplicate sku', price: 1 }, 'sku'],
  ])('rejects invalid input %j with BAD_USER_INPUT and writes nothing', async (input, field) => {
    // Counted in the database: a page of products is capped and would hide an extra row.
    const db = openProductDatabase(product.databaseUrl);
    try {
      const before = await db.product.count();
      const response = await create(input);
      expect(response.status).toBe(200);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(await db.product.count()).toBe(before);
    } finally {
      await db.$disconnect();
    }
  });

  it('fails updates of unknown products with NOT_FOUND', async () => {
    const response = await call(
      'mutation { updateProduct(id: "00000000-0000-7000-8000-000000000000", input: { name: "X" }) { id } }',
    );
    expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('rejects out-of-range pages with BAD_USER_INPUT', async () => {
    const response = await call('{ products(first: 1000) { id } }');
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses requests without the service credential: 401 and no data', async () => {
    for (const headers of [{}, { 'x-service-token': 'wrong' }] as Record<string, string>[]) {
      const response = await graphqlRequest(product.url, '{ products { id name } }', {}, { headers });
      expect(response.status).toBe(401);
      expect(response.data).toBeUndefined();
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('serves health, readiness and metrics', async () => {
    const base = product.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: 'ok' } });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('db_statements_total{table="products"}');
  });
});
