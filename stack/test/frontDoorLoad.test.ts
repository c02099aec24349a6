import { type GraphQLResponse, graphqlRequest, readCounter } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

// One client floods the gateway while others read normally. With the limits in place the flood is
// refused before planning (alias bombs) or once its caller's cost budget is spent (expensive but
// admitted reads), and a circuit opens only on a subgraph's own failures: none here.
let federation: TestFederation;
let base: string;
const POINTS = 200_000;

beforeAll(async () => {
  federation = await startTestFederation({
    events: true,
    gateway: { rateLimit: { points: POINTS, windowSeconds: 60 } },
    // A generous time budget: the claim is about what the limits let through, and a shared 2-core
    // machine running the whole suite can be slow without any subgraph failing.
    resilience: Object.fromEntries(
      ['order', 'product', 'inventory'].map((name) => [name, { timeoutMs: 5_000 }]),
    ),
  });
  base = federation.gatewayUrl.replace(/\/graphql$/, '');
  await seedOrders(federation.gatewayUrl, { products: 10, orders: 100, itemsPerOrder: 5 });
}, 120_000);
afterAll(() => federation?.stop());

const aliasBomb = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: orders(first: 100) { items { product { name stock } } }`).join(' ')} }`;
// Admitted (cost 100 x (1 + 100 x 2) = 20,100 < 25,000) but expensive: a budget of 200,000 lasts 9 of them.
const heavyRead = '{ orders(first: 100) { items { product { name stock } } } }';
const normalRead = '{ orders(first: 5) { id total items { productName product { name price stock } } } }';

async function run<T>(count: number, concurrency: number, task: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        results.push(await task());
      }
    }),
  );
  return results;
}

describe('one client flooding the gateway', () => {
  it('leaves every other caller full 200 answers, and no circuit opens', async () => {
    const breakerRejections = () =>
      readCounter(`${base}/metrics`, 'subgraph_calls_total', { outcome: 'rejected' });
    const timeouts = () => readCounter(`${base}/metrics`, 'subgraph_calls_total', { outcome: 'timeout' });
    const [rejectedBefore, timeoutsBefore] = [await breakerRejections(), await timeouts()];

    const flood = Promise.all([
      run(150, 6, () =>
        graphqlRequest(federation.gatewayUrl, aliasBomb, {}, { as: 'customer', subject: 'flooder' }),
      ),
      run(60, 4, () =>
        graphqlRequest(federation.gatewayUrl, heavyRead, {}, { as: 'operator', subject: 'flooder-ops' }),
      ),
    ]);
    const readers = Promise.all(
      ['alice', 'bob', 'carol', 'dave'].map((name) =>
        run(25, 1, () =>
          graphqlRequest<{ orders: { items: { product: { stock: number | null } | null }[] }[] }>(
            federation.gatewayUrl,
            normalRead,
            {},
            { as: 'operator', subject: `reader-${name}` },
          ),
        ),
      ),
    );
    const [[bombs, heavy], answers] = await Promise.all([flood, readers]);

    // The alias bombs: all refused before planning, naming the limit.
    expect(new Set(bombs.map((r) => `${r.status} ${r.errors?.[0]?.extensions?.limit}`))).toEqual(
      new Set(['400 aliases']),
    );
    // The heavy reads: admitted until the flooder's budget was spent, then 429 with Retry-After.
    const admitted = heavy.filter((r) => r.status === 200);
    const limited = heavy.filter((r) => r.status === 429);
    expect(admitted.length).toBe(Math.floor(POINTS / 20_100));
    expect(limited.length).toBe(heavy.length - admitted.length);
    expect(limited[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', cost: 20_100 });

    // Every other caller: 200 with full data, every stock present, no error.
    const all = answers.flat() as GraphQLResponse<{
      orders: { items: { product: { stock: number | null } | null }[] }[];
    }>[];
    expect(all).toHaveLength(100);
    for (const answer of all) {
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.orders).toHaveLength(5);
      for (const item of answer.data!.orders.flatMap((o) => o.items))
        expect(typeof item.product?.stock).toBe('number');
    }
    // No circuit opened, no subgraph call timed out.
    expect(await breakerRejections()).toBe(rejectedBefore);
    expect(await timeouts()).toBe(timeoutsBefore);
    for (const subgraph of ['order', 'product', 'inventory'])
      expect(await readCounter(`${base}/metrics`, 'subgraph_circuit_state', { subgraph })).toBe(0);
  });

  it('answers 429 with a Retry-After header once a caller spent its budget; others are unaffected', async () => {
    const response = await fetch(federation.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await (await import('@msd/service-kit')).developmentToken('operator', 'flooder-ops')}`,
      },
      body: JSON.stringify({ query: heavyRead }),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const other = await graphqlRequest(
      federation.gatewayUrl,
      heavyRead,
      {},
      { as: 'operator', subject: 'someone-else' },
    );
    expect(other.status).toBe(200);
    // Anonymous callers are counted by address; a refused operation costs nothing.
    const anonymous = await graphqlRequest(federation.gatewayUrl, '{ products(first: 1) { id } }');
    expect(anonymous.status).toBe(200);
  });
});
