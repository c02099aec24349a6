import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { queueName } from '@msd/events';
import { createGatewayServer, readManifest } from '@msd/gateway';
import { developmentToken } from '@msd/service-kit';
import { freePort, graphqlRequest, type SubscriptionPart, subscribeOverHttp } from '@msd/testing';
import { Queue } from 'bullmq';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { operationManifestFile } from '../../supergraph/registeredOperations.ts';
import { startTestFederation, type TestFederation } from '../src/index.ts';

const orderUpdated = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status shipment { status } } }';
const productUpdated = 'subscription ($id: ID!) { productUpdated(id: $id) { id name } }';
const replicationStatusUpdated =
  'subscription { replicationStatusUpdated { productName { eventsApplied } } }';
const productStock = 'subscription ($id: ID!) { productUpdated(id: $id) { id stock } }';

let federation: TestFederation;
let productId: string;

beforeAll(async () => {
  federation = await startTestFederation({
    events: true,
    gateway: { subscriptions: { perCaller: 2, heartbeatMs: 300 } },
  });
  productId = await createProduct('Subscribed');
}, 120_000);
afterAll(async () => {
  await federation?.stop();
});

async function createProduct(name: string): Promise<string> {
  const { data, errors } = await graphqlRequest<{ createProduct: { id: string } }>(
    federation.gatewayUrl,
    'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
    { input: { sku: `sub-${randomUUID()}`, name, price: 3 } },
    { as: 'operator' },
  );
  if (!data) throw new Error(JSON.stringify(errors));
  return data.createProduct.id;
}

async function renameProduct(id: string, name: string) {
  const { errors } = await graphqlRequest(
    federation.gatewayUrl,
    'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
    { id, name },
    { as: 'operator' },
  );
  expect(errors).toBeUndefined();
}

async function stockOf(id: string): Promise<number | null | undefined> {
  const { data } = await graphqlRequest<{ product: { stock: number | null } | null }>(
    federation.gatewayUrl,
    'query ($id: ID!) { product(id: $id) { stock } }',
    { id },
  );
  return data?.product?.stock;
}

async function restock(id: string, quantity: number) {
  const { errors } = await graphqlRequest(
    federation.gatewayUrl,
    'mutation ($id: ID!, $quantity: Int!) { restock(productId: $id, quantity: $quantity) { id } }',
    { id, quantity },
    { as: 'operator' },
  );
  expect(errors).toBeUndefined();
}

/** An order of `customer`, left PLACED while inventory's queue of OrderCreated is paused, until `release()`. */
async function heldOrder(customer: string) {
  const bus = federation.bus!;
  const queue = new Queue(queueName('OrderCreated', 'inventory'), {
    connection: bus.connection,
    prefix: bus.prefix,
  });
  await queue.pause();
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= queue.resume().finally(() => queue.close());
    return released;
  };
  try {
    const { data, errors } = await graphqlRequest<{ placeOrder: { id: string } }>(
      federation.gatewayUrl,
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: customer, items: [{ productId, quantity: 1 }] } },
      { as: 'customer', subject: customer },
    );
    if (!data) throw new Error(JSON.stringify(errors));
    return { id: data.placeOrder.id, release };
  } catch (error) {
    await release();
    throw error;
  }
}

/** Another gateway replica on the same subgraphs and bus, with the federation's subscription limits. */
async function secondReplica() {
  const server = createGatewayServer({
    subgraphUrls: Object.fromEntries(Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url])),
    events: federation.bus!,
    rateLimit: false,
    subscriptions: { perCaller: 2, heartbeatMs: 300 },
  });
  const { url } = await server.listen(0);
  return { url, stop: () => server.stop() };
}

const statusOf = (part: SubscriptionPart) =>
  (part.payload?.data?.orderUpdated as { status?: string } | null | undefined)?.status;
const decided = (part: SubscriptionPart) => ['CONFIRMED', 'REJECTED'].includes(statusOf(part) ?? '');
const bearer = async (subject: string) => `Bearer ${await developmentToken('customer', subject)}`;

describe('subscriptions served by the gateway from the event bus', () => {
  it('pushes a customer its new order once stock is decided, over multipart HTTP, with heartbeats', async () => {
    const customer = `sub-${randomUUID()}`;
    const order = await heldOrder(customer);
    const subscription = await subscribeOverHttp(
      federation.gatewayUrl,
      orderUpdated,
      { id: order.id },
      { authorization: await bearer(customer) },
    );
    try {
      expect(subscription.status).toBe(200);
      expect(statusOf(await subscription.until((part) => part.payload !== undefined))).toBe('PLACED');
      await order.release();
      await subscription.until(decided);
      expect(subscription.payloads().map(statusOf)[0]).toBe('PLACED');
      // An idle stream says it is alive: `{}` between payloads.
      await subscription.until((part) => Object.keys(part).length === 0);
    } finally {
      subscription.close();
      await order.release();
    }
  });

  it("is read by Apollo Client's HttpLink (multipart subscriptions)", async () => {
    const customer = `sub-${randomUUID()}`;
    const order = await heldOrder(customer);
    const client = new ApolloClient({
      link: new HttpLink({ uri: federation.gatewayUrl, headers: { authorization: await bearer(customer) } }),
      cache: new InMemoryCache(),
    });
    const statuses: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const subscription = client
          .subscribe({ query: gql(orderUpdated), variables: { id: order.id } })
          .subscribe({
            next({ data, error }) {
              if (error) return reject(error);
              const status = (data as { orderUpdated: { status: string } }).orderUpdated.status;
              statuses.push(status);
              if (statuses.length === 1) void order.release();
              if (status !== 'PLACED') {
                subscription.unsubscribe();
                resolve();
              }
            },
            error: reject,
          });
      });
      expect(statuses[0]).toBe('PLACED');
      expect(['CONFIRMED', 'REJECTED']).toContain(statuses.at(-1));
    } finally {
      client.stop();
      await order.release();
    }
  });

  it('pushes the same over graphql-ws, the token in connection_init', async () => {
    const customer = `sub-${randomUUID()}`;
    const order = await heldOrder(customer);
    const client = createClient({
      url: federation.gatewayUrl.replace(/^http/, 'ws'),
      connectionParams: { authorization: await bearer(customer) },
    });
    const statuses: (string | undefined)[] = [];
    const iterator = client.iterate<{ orderUpdated: { status: string } }>({
      query: orderUpdated,
      variables: { id: order.id },
    });
    try {
      for await (const result of iterator) {
        expect(result.errors).toBeUndefined();
        statuses.push(result.data?.orderUpdated.status);
        if (statuses.length === 1) await order.release();
        if (['CONFIRMED', 'REJECTED'].includes(statuses.at(-1) ?? '')) break;
      }
      expect(statuses[0]).toBe('PLACED');
      // Queries run over the same socket, answered once.
      const answers = [];
      const query = 'query ($id: ID!) { order(id: $id) { id } }';
      for await (const answer of client.iterate({ query, variables: { id: order.id } })) answers.push(answer);
      expect(answers).toEqual([{ data: { order: { id: order.id } } }]);
    } finally {
      await iterator.return?.();
      await client.dispose();
      await order.release();
    }
  });

  it('opens the WebSocket to pages of the gateway itself and of allowed origins only (403 for others)', async () => {
    const upgrade = (origin?: string) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(federation.gatewayUrl, {
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': randomBytes(16).toString('base64'),
            'sec-websocket-protocol': 'graphql-transport-ws',
            ...(origin ? { origin } : {}),
          },
        });
        request.on('upgrade', (response, socket) => {
          socket.destroy();
          resolve(response.statusCode ?? 0);
        });
        request.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end();
      });
    const own = new URL(federation.gatewayUrl).origin;
    expect(await upgrade()).toBe(101); // not a browser
    expect(await upgrade(own)).toBe(101); // Sandbox on the gateway's landing page
    expect(await upgrade('http://localhost:5173')).toBe(101); // the web client (CORS_ORIGINS' default)
    expect(await upgrade('https://evil.example')).toBe(403);
  });

  it('gives back the slot of a subscription its client completed while it was being admitted', async () => {
    // graphql-ws by hand: each subscribe is followed at once by its complete, which reaches the
    // gateway while it is still admitting that subscription.
    const socket = new WebSocket(federation.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const received: { id?: string; type: string; payload?: unknown }[] = [];
    socket.addEventListener('message', (event) => void received.push(JSON.parse(String(event.data))));
    const send = (message: object) => socket.send(JSON.stringify(message));
    const subscribe = { query: productUpdated, variables: { id: productId } };
    try {
      await new Promise((opened) => socket.addEventListener('open', opened, { once: true }));
      send({ type: 'connection_init', payload: { authorization: await bearer(`sub-${randomUUID()}`) } });
      await vi.waitFor(() =>
        expect(received.some((message) => message.type === 'connection_ack')).toBe(true),
      );
      for (let i = 0; i < 4; i++) {
        send({ id: `early-${i}`, type: 'subscribe', payload: subscribe });
        send({ id: `early-${i}`, type: 'complete' });
      }
      // Twice the per-caller limit completed early: once they are let go, one more is admitted (none
      // leaked a slot); while they are still being admitted, it is refused and tried again.
      const reply = async (id: string) => {
        send({ id, type: 'subscribe', payload: subscribe });
        await vi.waitFor(() => expect(received.find((message) => message.id === id)).toBeDefined(), {
          timeout: 10_000,
        });
        return received.find((message) => message.id === id);
      };
      let tries = 0;
      await vi.waitFor(async () => expect((await reply(`last-${tries++}`))?.type).toBe('next'), {
        timeout: 10_000,
        interval: 100,
      });
      expect(received.find((message) => message.id === `last-${tries - 1}`)).toMatchObject({
        payload: { data: { productUpdated: { id: productId } } },
      });
    } finally {
      socket.close();
    }
  });

  it('gives back the slot of a multipart subscription whose client left while it was being admitted', async () => {
    const authorization = await bearer(`sub-${randomUUID()}`);
    const body = JSON.stringify({ query: productUpdated, variables: { id: productId } });
    // Sent whole, then the connection dropped at once: the gateway is still admitting it.
    const leave = () =>
      new Promise<void>((done) => {
        const request = http.request(federation.gatewayUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'multipart/mixed;subscriptionSpec="1.0"',
            authorization,
          },
        });
        request.on('error', () => {});
        request.end(body, () => {
          request.destroy();
          done();
        });
      });
    for (let i = 0; i < 4; i++) await leave();
    // Twice the per-caller limit left early: once they are let go, one more is admitted (none leaked).
    const opened: Awaited<ReturnType<typeof subscribeOverHttp>>[] = [];
    try {
      await vi.waitFor(
        async () => {
          const next = await subscribeOverHttp(
            federation.gatewayUrl,
            productUpdated,
            { id: productId },
            { authorization },
          );
          opened.push(next);
          expect(next.status).toBe(200);
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      for (const subscription of opened) subscription.close();
    }
  });

  it("refuses a customer another customer's order, over both transports", async () => {
    const order = await heldOrder(`sub-${randomUUID()}`);
    const intruder = await bearer(`sub-${randomUUID()}`);
    const client = createClient({
      url: federation.gatewayUrl.replace(/^http/, 'ws'),
      connectionParams: { authorization: intruder },
    });
    try {
      const http = await subscribeOverHttp(
        federation.gatewayUrl,
        orderUpdated,
        { id: order.id },
        { authorization: intruder },
      );
      expect(http.refusal?.data).toBeUndefined();
      expect(http.refusal?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const refusal = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: orderUpdated, variables: { id: order.id } },
          { next: resolve, error: resolve, complete: () => resolve(undefined) },
        );
      });
      expect(JSON.stringify(refusal)).toContain('FORBIDDEN');
    } finally {
      await client.dispose();
      await order.release();
    }
  });

  it('refuses a subscription past the per-caller limit with a typed error, counted across replicas', async () => {
    const authorization = await bearer(`sub-${randomUUID()}`);
    const replica = await secondReplica();
    const subscribe = (url: string) =>
      subscribeOverHttp(url, productUpdated, { id: productId }, { authorization });
    const open = [await subscribe(federation.gatewayUrl), await subscribe(replica.url)];
    try {
      for (const url of [federation.gatewayUrl, replica.url]) {
        const third = await subscribe(url);
        expect(third.status).toBe(429);
        expect(third.refusal?.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_LIMIT');
      }
      // Closed on one replica, its slot is free on the other.
      open.shift()?.close();
      await expect
        .poll(async () => {
          const next = await subscribe(replica.url);
          if (next.status === 200) open.push(next);
          return next.status;
        })
        .toBe(200);
    } finally {
      for (const subscription of open) subscription.close();
      await replica.stop();
    }
  });

  it("runs the web client's registered subscriptions sent by hash (multipart HTTP, graphql-ws) where only registered operations run", async () => {
    const manifest = readManifest(operationManifestFile);
    const [hash] = Object.entries(manifest).find(([, document]) =>
      document.startsWith('subscription OrderUpdated'),
    )!;
    const enforcing = createGatewayServer({
      subgraphUrls: Object.fromEntries(
        Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url]),
      ),
      trustedDocuments: { manifest, enforce: true, bypassScope: 'operator' },
      rateLimit: false,
    });
    const { url } = await enforcing.listen(0);
    const customer = `sub-${randomUUID()}`;
    const order = await heldOrder(customer);
    const token = await bearer(customer);
    const send = (body: Record<string, unknown>) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'multipart/mixed;subscriptionSpec="1.0"',
          authorization: token,
        },
        body: JSON.stringify(body),
      });
    try {
      const registered = await send({
        variables: { id: order.id },
        extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
      });
      expect(registered.headers.get('content-type')).toMatch(/^multipart\/mixed/);
      const reader = (registered.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('"status":"PLACED"');
      await reader.cancel();
      const unregistered = await send({ query: orderUpdated, variables: { id: order.id } });
      expect(unregistered.status).toBe(400);
      expect(JSON.stringify(await unregistered.json())).toContain('PERSISTED_QUERY_NOT_IN_LIST');
      // The web client's subscriptions go over graphql-ws by hash alone, the text left empty.
      const [stockHash] = Object.entries(manifest).find(([, document]) =>
        document.startsWith('subscription ProductStock'),
      )!;
      const socket = createClient({
        url: url.replace(/^http/, 'ws'),
        connectionParams: { authorization: token },
      });
      const stock = socket.iterate<{ productUpdated: { id: string } }>({
        query: '',
        variables: { id: productId },
        extensions: { persistedQuery: { version: 1, sha256Hash: stockHash.replace(/^sha256:/, '') } },
      });
      try {
        const first = await stock.next();
        expect(first.value).toMatchObject({ data: { productUpdated: { id: productId } } });
      } finally {
        await stock.return?.();
        await socket.dispose();
      }
    } finally {
      await enforcing.stop();
      await order.release();
    }
  });

  it("charges the caller's budget at the start and per payload: over it, a RATE_LIMITED payload, still open", async () => {
    const id = await createProduct('Charged 0');
    const limited = createGatewayServer({
      subgraphUrls: Object.fromEntries(
        Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url]),
      ),
      events: federation.bus!,
      rateLimit: { points: 3, windowSeconds: 600 },
    });
    const { url } = await limited.listen(0);
    const subscription = await subscribeOverHttp(url, productUpdated, { id });
    try {
      await subscription.until((part) => part.payload !== undefined);
      const codes = () =>
        subscription.payloads().map((part) => part.payload?.errors?.[0]?.extensions?.code ?? 'data');
      for (let round = 1; !codes().includes('RATE_LIMITED'); round++) {
        expect(round).toBeLessThanOrEqual(3); // each payload costs at least 1 of the 3 points
        const seen = subscription.payloads().length;
        await renameProduct(id, `Charged ${round}`);
        await subscription.until(() => subscription.payloads().length > seen);
      }
      expect(codes()[0]).toBe('data');
      expect(subscription.ended()).toBe(false);
    } finally {
      subscription.close();
      await limited.stop();
    }
  });

  it('pushes an operator replicationStatus once the order copy applied renames, at most once a second, the last state last', async () => {
    const id = await createProduct('Watched 0');
    const startedAt = Date.now();
    const subscription = await subscribeOverHttp(
      federation.gatewayUrl,
      replicationStatusUpdated,
      {},
      { authorization: `Bearer ${await developmentToken('operator')}` },
    );
    const applied = (part: SubscriptionPart) =>
      (
        part.payload?.data?.replicationStatusUpdated as
          | { productName?: { eventsApplied?: number } }
          | undefined
      )?.productName?.eventsApplied;
    try {
      expect(subscription.status).toBe(200);
      const before = applied(await subscription.until((part) => part.payload !== undefined));
      expect(before).toBeTypeOf('number');
      // Each rename is one ProductUpdated that the order copy applies (eventsApplied + 1), one at a
      // time: uncoalesced, each would be a payload of its own.
      const renames = 8;
      for (let round = 1; round <= renames; round++) await renameProduct(id, `Watched ${round}`);
      await subscription.until((part) => (applied(part) ?? 0) >= before! + renames);
      const elapsedSeconds = (Date.now() - startedAt) / 1000;
      const payloads = subscription.payloads();
      expect(payloads.every((part) => part.payload?.errors === undefined)).toBe(true);
      // One read a second at most: the first, then one per second that went by.
      expect(payloads.length).toBeLessThanOrEqual(1 + Math.ceil(elapsedSeconds));
      expect(payloads.length).toBeGreaterThan(1);
    } finally {
      subscription.close();
    }
  });

  it('pushes replicationStatus while the ride service is down: driverName null with its error, the rest current', async () => {
    const id = await createProduct('Degraded 0');
    // A gateway replica that finds no ride service where it looks (a port nobody listens on).
    const withoutRide = createGatewayServer({
      subgraphUrls: {
        ...Object.fromEntries(Object.entries(federation.subgraphs).map(([name, s]) => [name, s.url])),
        ride: `http://127.0.0.1:${await freePort()}/graphql`,
      },
      events: federation.bus!,
      rateLimit: false,
    });
    const { url } = await withoutRide.listen(0);
    const subscription = await subscribeOverHttp(
      url,
      'subscription { replicationStatusUpdated { productName { eventsApplied } driverName { copy } } }',
      {},
      { authorization: `Bearer ${await developmentToken('operator')}` },
    );
    type Copies = { productName: { eventsApplied: number }; driverName: { copy: string } | null };
    const status = (part: SubscriptionPart) =>
      part.payload?.data?.replicationStatusUpdated as Copies | undefined;
    try {
      // Not refused: the order service answers the root; the ride service's field is null, with an error.
      const first = await subscription.until((part) => part.payload !== undefined);
      expect(status(first)?.driverName).toBeNull();
      expect(first.payload?.errors?.length).toBeGreaterThan(0);
      await renameProduct(id, 'Degraded 1');
      const next = await subscription.until(
        (part) => (status(part)?.productName.eventsApplied ?? 0) > status(first)!.productName.eventsApplied,
      );
      expect(status(next)?.driverName).toBeNull();
      expect(next.payload?.errors).toContainEqual(
        expect.objectContaining({
          path: ['replicationStatusUpdated'],
          extensions: expect.objectContaining({ service: 'ride' }),
        }),
      );
      expect(subscription.ended()).toBe(false);
    } finally {
      subscription.close();
      await withoutRide.stop();
    }
  });

  it('refuses a customer replicationStatusUpdated (operators only)', async () => {
    const refused = await subscribeOverHttp(
      federation.gatewayUrl,
      replicationStatusUpdated,
      {},
      { authorization: await bearer(`sub-${randomUUID()}`) },
    );
    expect(refused.refusal?.data).toBeUndefined();
    expect(refused.refusal?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('ends a subscription with UNAUTHENTICATED when its token expires', async () => {
    const token = await developmentToken('customer', `sub-${randomUUID()}`, { expiresIn: '2s' });
    const subscription = await subscribeOverHttp(
      federation.gatewayUrl,
      productUpdated,
      { id: productId },
      { authorization: `Bearer ${token}` },
    );
    try {
      const last = await subscription.until((part) => part.payload === null);
      expect(last.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      await subscription.until(() => subscription.ended());
    } finally {
      subscription.close();
    }
  });

  it('pushes a product’s new stock when it is restocked (StockRestocked)', async () => {
    const id = await createProduct('Restocked');
    // Inventory opens the product's stock row, at 0, when ProductCreated reaches it.
    await vi.waitFor(async () => expect(await stockOf(id)).toBe(0), { timeout: 15_000, interval: 50 });
    const stocks = (parts: SubscriptionPart[]) =>
      parts.map((part) => (part.payload?.data?.productUpdated as { stock?: number } | undefined)?.stock);
    const subscription = await subscribeOverHttp(
      federation.gatewayUrl,
      productStock,
      { id },
      { authorization: await bearer(`sub-${randomUUID()}`) },
    );
    try {
      await subscription.until((part) => stocks([part])[0] === 0);
      await restock(id, 7);
      await subscription.until((part) => stocks([part])[0] === 7);
      await restock(id, 5);
      await subscription.until((part) => stocks([part])[0] === 12);
      expect(stocks(subscription.payloads())).toEqual([0, 7, 12]);
    } finally {
      subscription.close();
    }
  });

  it('pushes a product after a rename, and with two gateway replicas each subscriber gets it once', async () => {
    const id = await createProduct('Before');
    const second = await secondReplica();
    const { url } = second;
    let stopped: Promise<void> | undefined;
    const names = (parts: SubscriptionPart[]) =>
      parts.map((part) => (part.payload?.data?.productUpdated as { name?: string } | undefined)?.name);
    const subscriptions = [
      await subscribeOverHttp(federation.gatewayUrl, productUpdated, { id }),
      await subscribeOverHttp(url, productUpdated, { id }),
    ];
    try {
      for (const subscription of subscriptions)
        await subscription.until((part) => part.payload !== undefined);
      for (const name of ['After', 'Again']) {
        await renameProduct(id, name);
        for (const subscription of subscriptions)
          await subscription.until((part) => names([part]).includes(name));
      }
      for (const subscription of subscriptions)
        expect(names(subscription.payloads())).toEqual(['Before', 'After', 'Again']);
      // Shut down, the replica ends its subscriptions with a last message.
      stopped = second.stop();
      await stopped;
      const last = await subscriptions[1]!.until((part) => part.payload === null);
      expect(last.errors?.[0]?.extensions?.code).toBe('SHUTTING_DOWN');
    } finally {
      for (const subscription of subscriptions) subscription.close();
      await (stopped ?? second.stop());
    }
  });
});
