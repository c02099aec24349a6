import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { createDriverServer } from '@msd/driver-service';
import { readManifest } from '@msd/gateway';
import { repoRoot } from '@msd/registry';
import { developmentToken } from '@msd/service-kit';
import { counterIn, graphqlRequest, readCounter, testServiceCalls } from '@msd/testing';
import { type FieldNode, Kind, parse, print, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { operationManifestFile } from '../../supergraph/registeredOperations.ts';
import { demoQueries, seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';
import { builtEntry } from './support/loggedProcess.ts';

const ridesDeferred =
  'query { rides(first: 20) { id driverName ... @defer(label: "driver") { driver { name rating } } } }';
const ridesWhole = 'query { rides(first: 20) { id driverName driver { name rating } } }';
const MULTIPART_ACCEPT = 'multipart/mixed;deferSpec=20220824, application/json';

type Payload = {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  incremental?: {
    data: Record<string, unknown> | null;
    path: (string | number)[];
    label?: string;
    errors?: Payload['errors'];
  }[];
  hasNext?: boolean;
};

const manifest = readManifest(operationManifestFile);
const [ridesPageHash] = Object.entries(manifest).find(([, document]) =>
  document.startsWith('query RidesWithDrivers'),
) as [string, string];
let federation: TestFederation;
let token: string;

beforeAll(async () => {
  federation = await startTestFederation({
    // A budget the hung driver runs out of, well past the rides' own answer on a loaded machine; a
    // breaker that never opens, so every test sees a healthy driver.
    resilience: {
      driver: { timeoutMs: 4_000, retries: 0, breakerFailures: 1_000 },
      // Seeding on a loaded machine: writes are not what is measured here.
      ride: { timeoutMs: 10_000 },
      order: { timeoutMs: 10_000 },
      product: { timeoutMs: 10_000 },
    },
    // The web client's manifest enforced as in production; the operator (most tests) may run any document.
    gateway: { trustedDocuments: { manifest, enforce: true, bypassScope: 'operator' } },
  });
  token = await developmentToken('operator');
  const drivers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { data } = await graphqlRequest<{ createDriver: { id: string } }>(
      federation.gatewayUrl,
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      {
        input: { name: `Deferred ${i}`, car: { make: 'Kia', model: 'Niro', color: 'red', plate: `D-${i}` } },
      },
      { as: 'operator' },
    );
    drivers.push(data!.createDriver.id);
  }
  for (let i = 0; i < 20; i++) {
    const { errors } = await graphqlRequest(
      federation.gatewayUrl,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId: drivers[i % drivers.length] },
      { as: 'operator' },
    );
    expect(errors).toBeUndefined();
  }
  await seedOrders(federation.gatewayUrl, { products: 3, orders: 5, itemsPerOrder: 2 }, 'Deferred');
}, 180_000);
let revived: ReturnType<typeof createDriverServer> | undefined;
afterAll(async () => {
  await revived?.stop();
  await federation?.stop();
});

function post(query: string, accept: string, variables: Record<string, unknown> = {}) {
  return fetch(federation.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
}

/** The payloads of a multipart/mixed answer (boundary `-`), each as it arrives. */
async function* payloadsOf(response: Response): AsyncGenerator<Payload> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\r\n---'); end !== -1; end = buffer.indexOf('\r\n---')) {
      const part = buffer.slice(0, end);
      buffer = buffer.slice(end + 5);
      const json = part.indexOf('\r\n\r\n');
      if (json !== -1) yield JSON.parse(part.slice(json + 4)) as Payload;
    }
  }
}

async function readAll(response: Response): Promise<Payload[]> {
  const payloads: Payload[] = [];
  for await (const payload of payloadsOf(response)) payloads.push(payload);
  return payloads;
}

/** The answer the payloads add up to: each incremental entry's data merged into the initial at its path. */
function merged(payloads: Payload[]): Payload {
  const [initial, ...rest] = payloads;
  const data = structuredClone(initial?.data ?? null);
  const errors = [...(initial?.errors ?? [])];
  for (const payload of rest)
    for (const item of payload.incremental ?? []) {
      errors.push(...(item.errors ?? []));
      let target: unknown = data;
      for (const segment of item.path) target = (target as Record<string | number, unknown>)[segment];
      deepMerge(target as Record<string, unknown>, item.data ?? {});
    }
  return { data, ...(errors.length > 0 ? { errors } : {}) };
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>) {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (Array.isArray(value) && Array.isArray(existing))
      value.forEach((element, index) => {
        if (element && typeof element === 'object' && existing[index] && typeof existing[index] === 'object')
          deepMerge(existing[index] as Record<string, unknown>, element as Record<string, unknown>);
        else existing[index] = element;
      });
    else if (value && typeof value === 'object' && existing && typeof existing === 'object')
      deepMerge(existing as Record<string, unknown>, value as Record<string, unknown>);
    else target[key] = value;
  }
}

/** The same operation with every selection of an object field deferred (nested fragments included). */
function deferEverything(query: string): string {
  let label = 0;
  return print(
    visit(parse(query), {
      Field(node: FieldNode) {
        if (!node.selectionSet) return undefined;
        return {
          ...node,
          selectionSet: {
            kind: Kind.SELECTION_SET,
            selections: [
              {
                kind: Kind.INLINE_FRAGMENT,
                directives: [
                  {
                    kind: Kind.DIRECTIVE,
                    name: { kind: Kind.NAME, value: 'defer' },
                    arguments: [
                      {
                        kind: Kind.ARGUMENT,
                        name: { kind: Kind.NAME, value: 'label' },
                        value: { kind: Kind.STRING, value: `d${label++}` },
                      },
                    ],
                  },
                ],
                selectionSet: node.selectionSet,
              },
            ],
          },
        };
      },
    }),
  );
}

describe('@defer through the gateway', () => {
  it('answers the rides read in parts: the 20 rides with their local fields first, their drivers after', async () => {
    const response = await post(ridesDeferred, MULTIPART_ACCEPT);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(
      /^multipart\/mixed; boundary="-"; deferSpec=20220824/,
    );
    const payloads = await readAll(response);
    const [initial, ...rest] = payloads;
    const rides = (initial!.data as { rides: Record<string, unknown>[] }).rides;
    expect(initial!.hasNext).toBe(true);
    expect(rides).toHaveLength(20);
    for (const ride of rides) {
      expect(Object.keys(ride).sort()).toEqual(['driverName', 'id']);
    }
    const items = rest.flatMap((payload) => payload.incremental ?? []);
    expect(items.map((item) => item.path)).toEqual(rides.map((_, index) => ['rides', index]));
    for (const item of items) {
      expect(item.label).toBe('driver');
      expect(item.data).toEqual({ driver: { name: expect.stringMatching(/^Deferred \d$/), rating: 0 } });
    }
    expect(rest.at(-1)!.hasNext).toBe(false);
    const whole = await graphqlRequest(federation.gatewayUrl, ridesWhole, {}, { as: 'operator' });
    expect(merged(payloads)).toEqual({ data: whole.data });
  });

  it("calls the ride service once per @defer read: the fragment reuses the first part's fetch of the rides", async () => {
    const calls = (subgraph: string) =>
      readCounter(federation.gatewayUrl.replace(/graphql$/, 'metrics'), 'subgraph_calls_total', { subgraph });
    const [ridesBefore, driversBefore] = [await calls('ride'), await calls('driver')];
    const payloads = await readAll(await post(ridesDeferred, MULTIPART_ACCEPT));
    expect(payloads.at(-1)!.hasNext).toBe(false);
    // The same calls as the read without @defer: the rides once, their four drivers once.
    expect((await calls('ride')) - ridesBefore).toBe(1);
    expect((await calls('driver')) - driversBefore).toBe(1);
    const whole = await graphqlRequest(federation.gatewayUrl, ridesWhole, {}, { as: 'operator' });
    expect(merged(payloads)).toEqual({ data: whole.data });
    // Two sibling fragments: three parts, each planning its own rides fetch, sent as one.
    const siblingsBefore = await calls('ride');
    const siblings = await readAll(
      await post(
        '{ rides(first: 20) { id ... @defer { driverName } ... @defer { driver { name rating } } } }',
        MULTIPART_ACCEPT,
      ),
    );
    expect((await calls('ride')) - siblingsBefore).toBe(1);
    expect(merged(siblings)).toEqual({ data: whole.data });
  });

  it('is read by Apollo Client: the rides first, then the same rides with their drivers', async () => {
    const client = new ApolloClient({
      link: new HttpLink({ uri: federation.gatewayUrl, headers: { authorization: `Bearer ${token}` } }),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });
    const results: { rides: { driverName: string; driver?: { name: string } | null }[] }[] = [];
    const observable = client.watchQuery({
      query: gql`query DeferredRides { rides(first: 20) { id driverName ... @defer { driver { id name rating } } } }`,
      fetchPolicy: 'network-only',
    });
    await new Promise<void>((resolve, reject) => {
      const subscription = observable.subscribe({
        next(result) {
          if (result.data) results.push(structuredClone(result.data) as (typeof results)[number]);
          if (!result.loading && result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    expect(results[0]!.rides).toHaveLength(20);
    expect(results[0]!.rides.every((ride) => ride.driver === undefined)).toBe(true);
    const last = results.at(-1)!;
    expect(last.rides.every((ride) => ride.driver?.name === ride.driverName)).toBe(true);
    client.stop();
  });

  it('answers one JSON object, as without @defer, to a client that does not accept multipart or when `if` is false', async () => {
    const whole = await (await post(ridesWhole, 'application/json')).json();
    const unaccepted = await post(ridesDeferred, 'application/json');
    expect(unaccepted.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await unaccepted.json()).toEqual(whole);
    const notDeferred = await post(
      'query ($later: Boolean!) { rides(first: 20) { id driverName ... @defer(if: $later) { driver { name rating } } } }',
      MULTIPART_ACCEPT,
      { later: false },
    );
    expect(notDeferred.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await notDeferred.json()).toEqual(whole);
  });

  it('adds up to the same answer as without @defer over the demo queries, every selection deferred, with the same subgraph calls', async () => {
    const metrics = federation.gatewayUrl.replace(/graphql$/, 'metrics');
    const calls = async () => {
      const text = await (await fetch(metrics)).text();
      return Object.fromEntries(
        ['order', 'product', 'inventory', 'driver', 'ride'].map((subgraph) => [
          subgraph,
          counterIn(text, 'subgraph_calls_total', { subgraph }),
        ]),
      );
    };
    const callsOf = async (read: () => Promise<unknown>) => {
      const before = await calls();
      const answer = await read();
      const after = await calls();
      return {
        answer,
        calls: Object.fromEntries(Object.entries(after).map(([s, n]) => [s, n - before[s]!])),
      };
    };
    for (const query of [demoQueries.ordersWithProducts, demoQueries.ridesWithDrivers, ridesWhole]) {
      const whole = await callsOf(async () => (await post(query, 'application/json')).json());
      expect((whole.answer as Payload).errors).toBeUndefined();
      const deferred = await callsOf(async () => {
        const response = await post(deferEverything(query), MULTIPART_ACCEPT);
        expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
        return readAll(response);
      });
      const payloads = deferred.answer as Payload[];
      expect(payloads.at(-1)!.hasNext).toBe(false);
      expect(merged(payloads)).toEqual(whole.answer);
      // Every part planned on its own, yet each subgraph is called as often as without @defer.
      expect(deferred.calls).toEqual(whole.calls);
    }
  });

  it("runs the web client's Rides page by its trusted hash in parts, and refuses an unregistered @defer document", async () => {
    const rider = await developmentToken('rider', 'r');
    const ask = (body: unknown) =>
      fetch(federation.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: MULTIPART_ACCEPT,
          authorization: `Bearer ${rider}`,
        },
        body: JSON.stringify(body),
      });
    const registered = await ask({
      extensions: { persistedQuery: { version: 1, sha256Hash: ridesPageHash } },
    });
    expect(registered.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const payloads = await readAll(registered);
    expect(payloads[0]!.errors).toBeUndefined();
    expect((payloads[0]!.data as { rides: unknown[] }).rides.length).toBeGreaterThan(0);
    expect(payloads.at(-1)!.hasNext).toBe(false);
    const unregistered = await ask({ query: ridesDeferred });
    expect(unregistered.status).toBe(400);
    expect(unregistered.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await unregistered.json()) as Payload).errors![0]!.extensions!.code).toBe(
      'PERSISTED_QUERY_NOT_IN_LIST',
    );
  });

  it('refuses an operation whose deferred fragment is invalid whole, in one JSON answer, as without @defer', async () => {
    const inline = await post('{ rides(first: 20) { id driver { nope } } }', MULTIPART_ACCEPT);
    const deferred = await post(
      '{ rides(first: 20) { id ... @defer { driver { nope } } } }',
      MULTIPART_ACCEPT,
    );
    expect(deferred.status).toBe(inline.status);
    expect(deferred.headers.get('content-type')).toMatch(/^application\/json/);
    // The same refusal; its `locations` point into the operation as the gateway ran it.
    const withoutLocations = async (response: Response) =>
      ((await response.json()) as Payload).errors?.map(({ message, extensions }) => ({
        message,
        extensions,
      }));
    expect(await withoutLocations(deferred)).toEqual(await withoutLocations(inline));
  });
});

describe('@defer with the driver service hung', () => {
  it('sends the rides before the driver budget runs out, and the drivers part carries the error', async () => {
    const driver = federation.subgraphs.driver;
    const port = new URL(driver.url).port;
    await driver.server.stop();
    // Compiled (built once by the system tier's setup): up in a fraction of the time tsx takes.
    const child: ChildProcess = spawn(process.execPath, builtEntry('subgraphs/driver/dist/index.js'), {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: port,
        HOST: '127.0.0.1',
        DRIVER_DATABASE_URL: driver.databaseUrl,
        EVENTS_PREFIX: `test-${randomUUID()}`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      await vi.waitFor(async () => expect((await fetch(new URL('/health', driver.url))).status).toBe(200), {
        timeout: 60_000,
        interval: 200,
      });
      const metrics = federation.gatewayUrl.replace(/graphql$/, 'metrics');
      const timeouts = () =>
        readCounter(metrics, 'subgraph_calls_total', { subgraph: 'driver', outcome: 'timeout' });
      const timedOutBefore = await timeouts();
      child.kill('SIGSTOP');
      const response = await post(ridesDeferred, MULTIPART_ACCEPT);
      const payloads = payloadsOf(response);
      const initial = (await payloads.next()).value as Payload;
      // The first part came while the driver's call was still within its budget (no timeout yet).
      expect(await timeouts()).toBe(timedOutBefore);
      expect((initial.data as { rides: unknown[] }).rides).toHaveLength(20);
      expect(initial.errors).toBeUndefined();
      const rest: Payload[] = [];
      for await (const payload of payloads) rest.push(payload);
      const items = rest.flatMap((payload) => payload.incremental ?? []);
      expect(items).toHaveLength(20);
      for (const [index, item] of items.entries()) {
        expect(item.data).toEqual({ driver: null });
        expect(item.errors).toContainEqual(expect.objectContaining({ path: ['rides', index, 'driver'] }));
      }
      expect(rest.at(-1)!.hasNext).toBe(false);
      expect(await timeouts()).toBeGreaterThan(timedOutBefore);
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      revived = createDriverServer({
        databaseUrl: driver.databaseUrl,
        services: testServiceCalls({}, 'driver'),
      });
      await revived.listen(Number(port));
    }
  }, 120_000);
});

describe('@defer under the limits of the whole operation', () => {
  let limited: TestFederation;
  beforeAll(async () => {
    limited = await startTestFederation({
      gateway: { limits: { maxCost: 30 }, rateLimit: { points: 50, windowSeconds: 600 } },
    });
  });
  afterAll(() => limited?.stop());

  const ask = async (query: string) =>
    fetch(limited.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: MULTIPART_ACCEPT,
        authorization: `Bearer ${await developmentToken('operator', `limited-${randomUUID()}`)}`,
      },
      body: JSON.stringify({ query }),
    });

  it('refuses by the cost of the whole operation, though its first part alone is under the limit', async () => {
    // 20 rides cost 20, their drivers 20 more: 40 > 30.
    const response = await ask(
      '{ rides(first: 20) { id driverName ... @defer { driver { name rating } } } }',
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { errors } = (await response.json()) as Payload;
    expect(errors![0]!.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost' });
  });

  it("charges the caller's rate limit once per operation, its whole cost", async () => {
    const token = await developmentToken('operator', `limited-${randomUUID()}`);
    const send = () =>
      fetch(limited.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: MULTIPART_ACCEPT,
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: '{ rides(first: 10) { id ... @defer { driver { name } } } }' }),
      });
    // Cost 20 each against 50 points: two answered in parts, the third refused.
    for (let i = 0; i < 2; i++) {
      const response = await send();
      expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
      expect((await readAll(response)).at(-1)!.hasNext).toBe(false);
    }
    const third = await send();
    expect(third.status).toBe(429);
    expect(((await third.json()) as Payload).errors![0]!.extensions!.code).toBe('RATE_LIMITED');
  });
});
