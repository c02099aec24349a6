import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayServer } from '@msd/gateway';
import { graphqlRequest, readCounter } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

/**
 * Request collapsing through the gateway: ten identical client requests at once, with the order
 * service behind a counting proxy that holds every request until all ten have reached the
 * gateway's order data source (sent, or waiting for an identical one in flight). What reaches the
 * order service is counted there, never timed.
 */
let federation: TestFederation;
let gateway: ReturnType<typeof createGatewayServer>;
let gatewayUrl: string;
let orderProxy: CountingProxy;
let productId: string;

const alice = { as: 'customer', subject: 'collapse-alice' } as const;
const bob = { as: 'customer', subject: 'collapse-bob' } as const;
const ordersQuery =
  'query CollapsedOrders { orders(first: 100) { id customerId items { productName quantity } } }';
type Orders = { orders: { id: string; customerId: string }[] };

beforeAll(async () => {
  federation = await startTestFederation();
  orderProxy = await countingProxy(federation.subgraphs.order.url);
  const urls = Object.fromEntries(Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url]));
  gateway = createGatewayServer({
    subgraphUrls: { ...urls, order: orderProxy.url, coordinator: 'http://127.0.0.1:9/graphql' },
    rateLimit: false,
    // One attempt per fetch, so a failure is counted once at the proxy, and time enough for the
    // proxy to hold it until every request has arrived, however loaded the machine.
    resilience: { order: { retries: 0, timeoutMs: 60_000 } },
  });
  gatewayUrl = (await gateway.listen(0)).url;
  const { data } = await graphqlRequest<{ createProduct: { id: string } }>(
    gatewayUrl,
    'mutation { createProduct(input: { sku: "COLLAPSE-1", name: "Collapsed", price: 2.5 }) { id } }',
    {},
    { as: 'operator' },
  );
  productId = data!.createProduct.id;
  for (const customer of [alice, bob, alice]) await placeOrder(customer);
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await orderProxy?.close();
  await federation?.stop();
});

const placeOrder = (customer: typeof alice | typeof bob) =>
  graphqlRequest<{ placeOrder: { id: string } }>(
    gatewayUrl,
    'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
    { input: { customerId: customer.subject, items: [{ productId, quantity: 1 }] } },
    customer,
  );

const collapsedAtOrder = () =>
  readCounter(gatewayUrl.replace(/graphql$/, 'metrics'), 'subgraph_fetches_collapsed_total', {
    subgraph: 'order',
  });

/**
 * Sends `count` requests at once while the proxy holds what reaches the order service; lets it go
 * once every one of them has reached the gateway's order data source; returns the answers and how
 * many requests reached the order service.
 */
async function atOnce<T>(count: number, request: (i: number) => Promise<T>) {
  const collapsedBefore = await collapsedAtOrder();
  const release = orderProxy.hold();
  const answers = Promise.all(Array.from({ length: count }, (_, i) => request(i)));
  try {
    await vi.waitFor(
      async () => {
        const arrived = orderProxy.requests() + (await collapsedAtOrder()) - collapsedBefore;
        expect(arrived).toBe(count);
      },
      { timeout: 20_000, interval: 20 },
    );
    const sent = orderProxy.requests();
    release();
    return { sent, answers: await answers };
  } finally {
    release();
  }
}

describe('request collapsing', () => {
  it('serves ten identical concurrent queries with one order service operation, each the answer a lone query gets', async () => {
    const alone = await graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, alice);
    expect(alone.errors).toBeUndefined();
    expect(alone.data!.orders).toHaveLength(2);

    const { answers, sent } = await atOnce(10, () =>
      graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, alice),
    );
    expect(sent / answers.length).toBeLessThanOrEqual(0.5);
    for (const answer of answers) expect(answer).toEqual(alone);
  });

  it('never shares an answer between two customers reading at the same time', async () => {
    // Each customer's own answer read alone (another test may have placed more of bob's orders).
    const alone = [
      await graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, alice),
      await graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, bob),
    ];
    expect(alone[0]!.data!.orders.length).not.toBe(alone[1]!.data!.orders.length);
    const { answers, sent } = await atOnce(10, (i) =>
      graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, i % 2 === 0 ? alice : bob),
    );
    expect(sent).toBe(2);
    for (const [i, answer] of answers.entries()) {
      const subject = i % 2 === 0 ? alice.subject : bob.subject;
      expect(answer).toEqual(alone[i % 2]);
      for (const order of answer.data!.orders) expect(order.customerId).toBe(subject);
    }
  });

  it('never collapses a mutation: ten identical orders placed at once are ten orders', async () => {
    const { answers, sent } = await atOnce(10, () => placeOrder(bob));
    expect(sent).toBe(10);
    const ids = answers.map((answer) => answer.data?.placeOrder.id);
    expect(new Set(ids).size).toBe(10);
    const { data } = await graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, bob);
    expect(data!.orders.filter((order) => ids.includes(order.id))).toHaveLength(10);
  });

  it('gives the error of a shared fetch to each caller', async () => {
    orderProxy.failNext();
    const { answers, sent } = await atOnce(10, () =>
      graphqlRequest<Orders>(gatewayUrl, ordersQuery, {}, alice),
    );
    expect(sent).toBe(1);
    for (const answer of answers) {
      expect(answer.data).toBeNull();
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    }
  });
});

interface CountingProxy {
  url: string;
  /** Requests that reached the order service since the last `hold`. */
  requests(): number;
  /** Holds every request from now on until the returned function is called. */
  hold(): () => void;
  /** The next request held is answered with HTTP 500 instead of being forwarded. */
  failNext(): void;
  close(): Promise<void>;
}

/** The order service behind a proxy that counts the operations that reach it. */
async function countingProxy(target: string): Promise<CountingProxy> {
  let count = 0;
  let gate: Promise<void> = Promise.resolve();
  let fail = false;
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    // The gateway's health check (run when /metrics is read) is not an operation of the test.
    const probe = body.includes('{ __typename }');
    if (!probe) {
      count++;
      await gate;
    }
    if (fail && !probe) {
      fail = false;
      response.writeHead(500, { 'content-type': 'text/plain' }).end('order service failed');
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && !['host', 'content-length', 'connection'].includes(entry[0]),
      ),
    );
    const answer = await fetch(target, { method: 'POST', headers, body });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests: () => count,
    hold() {
      count = 0;
      let release = () => {};
      gate = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        release();
        gate = Promise.resolve();
      };
    },
    failNext() {
      fail = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
