import { randomUUID } from 'node:crypto';
import { readManifest } from '@msd/gateway';
import { developmentToken } from '@msd/service-kit';
import { counterIn, graphqlRequest } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationManifestFile } from '../../supergraph/registeredOperations.ts';
import { readQueries } from '../bench/gateway/readQueries.ts';
import { demoQueries, seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

/**
 * The pass-through (gateway/src/passThrough/): a gateway with it and one without, over the same
 * subgraphs, must give byte-identical answers (status and body) to the bench reads, the demo
 * queries, the web client's registered queries and error and null cases; and the reads must
 * actually take the path they are meant to (its counter: forwarded, shaped, or @apollo/gateway's
 * executor after an error, with no subgraph called twice), or the test proves nothing.
 */
let federation: TestFederation;
let urls: Record<string, string>;
const gateways: { stop(): Promise<void> }[] = [];
let forwarding: string;
let shaping: string;
let forwardingOrderDown: string;
let shapingOrderDown: string;
let forwardingProductDown: string;
let shapingProductDown: string;
let orderId: string;
let productId: string;

async function startGateway(passThrough: boolean, overrides: Record<string, string> = {}) {
  const { createGatewayServer } = await import('@msd/gateway');
  const gateway = createGatewayServer({
    subgraphUrls: { ...urls, ...overrides },
    rateLimit: false,
    passThrough,
    // Seeding and reading on a loaded machine: the budget is not what is tested; a failure is
    // counted once.
    resilience: Object.fromEntries(
      Object.keys(urls).map((name) => [name, { timeoutMs: 10_000, retries: 0, breakerFailures: 1_000 }]),
    ),
  });
  gateways.push(gateway);
  return (await gateway.listen(0)).url;
}

beforeAll(async () => {
  federation = await startTestFederation();
  urls = Object.fromEntries(Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url]));
  forwarding = await startGateway(true);
  shaping = await startGateway(false);
  // The order service unreachable: its fetches fail in our data source (SERVICE_UNAVAILABLE).
  forwardingOrderDown = await startGateway(true, { order: 'http://127.0.0.1:9/graphql' });
  shapingOrderDown = await startGateway(false, { order: 'http://127.0.0.1:9/graphql' });
  forwardingProductDown = await startGateway(true, { product: 'http://127.0.0.1:9/graphql' });
  shapingProductDown = await startGateway(false, { product: 'http://127.0.0.1:9/graphql' });
  const { orderIds, productIds } = await seedOrders(
    forwarding,
    { products: 4, orders: 6, itemsPerOrder: 3 },
    'Forwarded',
  );
  orderId = orderIds[0] as string;
  productId = productIds[0] as string;
  const { data } = await graphqlRequest<{ createDriver: { id: string } }>(
    forwarding,
    'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
    { input: { name: 'Forwarded driver', car: { make: 'Kia', model: 'Niro', color: 'red', plate: 'F-1' } } },
    { as: 'operator' },
  );
  for (let i = 0; i < 3; i++)
    await graphqlRequest(
      forwarding,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId: data?.createDriver.id },
      { as: 'operator' },
    );
}, 180_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await federation?.stop();
});

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Who asks (default: an operator). */
  as?: 'operator' | 'customer' | 'anonymous';
  /** The path the second request must take: `forwarded` (one fetch, as is) or `shaped` (merged and shaped here). */
  outcome?: 'forwarded' | 'shaped';
}

async function post(url: string, { query, variables, as = 'operator' }: Case) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(as === 'anonymous' ? {} : { authorization: `Bearer ${await developmentToken(as)}` }),
    },
    body: JSON.stringify({ query, variables: variables ?? {} }),
  });
  return { status: response.status, body: await response.text() };
}

/** What one request through the pass-through gateway did, from its /metrics (one request at a time). */
async function countsOf(read: () => Promise<unknown>) {
  const counts = async () => {
    const text = await (await fetch(forwarding.replace(/graphql$/, 'metrics'))).text();
    return {
      forwarded: counterIn(text, 'gateway_pass_through_total', { outcome: 'forwarded' }),
      shaped: counterIn(text, 'gateway_pass_through_total', { outcome: 'shaped' }),
      executor: counterIn(text, 'gateway_pass_through_total', { outcome: 'executor' }),
      orderCalls: counterIn(text, 'subgraph_calls_total', { subgraph: 'order' }),
      productCalls: counterIn(text, 'subgraph_calls_total', { subgraph: 'product' }),
    };
  };
  const before = await counts();
  await read();
  const after = await counts();
  return {
    forwarded: after.forwarded - before.forwarded,
    shaped: after.shaped - before.shaped,
    executor: after.executor - before.executor,
    orderCalls: after.orderCalls - before.orderCalls,
    productCalls: after.productCalls - before.productCalls,
  };
}

/**
 * The same status and body from both gateways; through the pass-through twice, as the first request
 * of a document teaches it the plan. Returns the answer and what the second request did.
 */
async function expectSameAnswers(testCase: Case, withPassThrough: string, without: string) {
  const expected = await post(without, testCase);
  expect(await post(withPassThrough, testCase), testCase.name).toEqual(expected);
  const counts = await countsOf(async () =>
    expect(await post(withPassThrough, testCase), testCase.name).toEqual(expected),
  );
  if (testCase.outcome) expect(counts[testCase.outcome], testCase.name).toBe(1);
  return { ...expected, ...counts };
}

describe('answers with and without the pass-through', () => {
  const registered = Object.values(readManifest(operationManifestFile)).filter((document) =>
    document.trimStart().startsWith('query'),
  );

  it('are the same for the bench reads: the one-subgraph read forwarded, the others shaped', async () => {
    for (const read of readQueries) {
      const { body } = await expectSameAnswers(
        { name: read.name, query: read.query, outcome: read.name === 'oneSubgraph' ? 'forwarded' : 'shaped' },
        forwarding,
        shaping,
      );
      expect(JSON.parse(body).errors, read.name).toBeUndefined();
    }
  });

  it('are the same for the demo queries and every query the web client registers', async () => {
    expect(registered.length).toBeGreaterThan(5);
    for (const query of [demoQueries.ordersWithProducts, demoQueries.ridesWithDrivers, ...registered])
      await expectSameAnswers({ name: query, query }, forwarding, shaping);
  });

  it('are the same for one-fetch reads of every shape, and those are forwarded', async () => {
    const cases: Case[] = [
      { name: 'one order', query: `{ order(id: "${orderId}") { id status total items { quantity } } }` },
      { name: 'no such order: null', query: `{ order(id: "${randomUUID()}") { id status } }` },
      {
        name: 'fragments, aliases, __typename',
        query: `query Frag { first: orders(first: 2) { ...O key: id } }
        fragment O on Order { __typename id items { ... on OrderItem { quantity q: quantity } productName } }`,
      },
      {
        name: 'fields selected twice',
        query: '{ orders(first: 3) { items { quantity } items { productName } id } }',
      },
      {
        name: 'variables',
        query: 'query ($n: Int!) { orders(first: $n) { id createdAt } }',
        variables: { n: 2 },
      },
    ];
    for (const testCase of cases)
      await expectSameAnswers({ ...testCase, outcome: 'forwarded' }, forwarding, shaping);
  });

  it('are the same for a mutation of one fetch, forwarded and sent once, and when it fails', async () => {
    const placeOrder =
      'mutation ($id: ID!) { placeOrder(input: { customerId: "customer-001", items: [{ productId: $id, quantity: 1 }] }) { status customerId items { quantity } } }';
    // Each order is a new one: its consistency token names it. Both gateways issue one (the write
    // reached the token plugin through the pass-through too); the rest is the same bytes.
    const tokenless = async (url: string, variables: Record<string, unknown>) => {
      const { status, body } = await post(url, {
        name: 'placeOrder',
        query: placeOrder,
        variables,
        as: 'customer',
      });
      const answer = JSON.parse(body) as { extensions?: { consistencyToken?: unknown } };
      const token = answer.extensions?.consistencyToken;
      if (answer.extensions) delete answer.extensions.consistencyToken;
      return { status, answer, token: typeof token };
    };
    const expected = await tokenless(shaping, { id: productId });
    expect(expected.answer).toMatchObject({ data: { placeOrder: { status: 'PLACED' } } });
    expect(await tokenless(forwarding, { id: productId })).toEqual(expected);
    const placed = await countsOf(async () =>
      expect(await tokenless(forwarding, { id: productId })).toEqual(expected),
    );
    expect(placed).toMatchObject({ forwarded: 1, executor: 0, orderCalls: 1 });
    // Refused by the order service: @apollo/gateway's executor answers from the fetch made, not sent again.
    const refused = await expectSameAnswers(
      {
        name: 'placeOrder of no product',
        query: placeOrder,
        variables: { id: randomUUID() },
        as: 'customer',
      },
      forwarding,
      shaping,
    );
    expect(refused.body).toContain('"errors"');
    expect(refused).toMatchObject({ forwarded: 0, shaped: 0, executor: 1, orderCalls: 1 });
  });

  it('are the same, with the same errors, when something fails', async () => {
    const cases: Case[] = [
      { name: 'a page too large (the subgraph refuses it)', query: '{ orders(first: 101) { id } }' },
      { name: 'a malformed id: null', query: '{ order(id: "not-a-uuid") { id } }' },
      {
        name: 'variables that do not coerce',
        query: 'query ($n: Int!) { orders(first: $n) { id } }',
        variables: { n: 'x' },
      },
      { name: 'a variable missing', query: 'query ($n: Int!) { orders(first: $n) { id } }' },
      {
        name: 'an anonymous caller (access rules)',
        query: '{ orders(first: 2) { id total } }',
        as: 'anonymous',
      },
      { name: 'a customer', query: '{ orders(first: 2) { id total } }', as: 'customer' },
      {
        name: '@skip left to the gateway',
        query: 'query ($s: Boolean!) { orders(first: 2) { id total @skip(if: $s) } }',
        variables: { s: true },
      },
      {
        name: 'introspection beside a fetch',
        query: '{ __schema { queryType { name } } orders(first: 1) { id } }',
      },
    ];
    for (const testCase of cases) await expectSameAnswers(testCase, forwarding, shaping);
    // Answered with an error: @apollo/gateway's executor answers from the answer already in.
    const refused = await expectSameAnswers(cases[0] as Case, forwarding, shaping);
    expect(refused.body).toContain('"errors"');
    expect(refused).toMatchObject({ forwarded: 0, shaped: 0, executor: 1, orderCalls: 1 });
    // An entity fetch fails: the same, every fetch made once.
    const [threeHop] = readQueries;
    const productDown = await expectSameAnswers(
      { name: 'the product service down', query: threeHop?.query ?? '' },
      forwardingProductDown,
      shapingProductDown,
    );
    expect(productDown.body).toContain('The product service is unavailable');
    expect(productDown).toMatchObject({ executor: 1, orderCalls: 1, productCalls: 1 });
    const down = await expectSameAnswers(
      { name: 'the order service down', query: '{ orders(first: 2) { id } }' },
      forwardingOrderDown,
      shapingOrderDown,
    );
    expect(down.body).toContain('SERVICE_UNAVAILABLE');
  });
});
