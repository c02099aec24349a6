import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { clearEventBus, eventBus } from '@msd/events';
import { CALLER_SUBJECT_HEADER, type Caller, createLogger } from '@msd/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createEntityCache, type EntityCache, type Representation } from '../src/cache/entityCache.ts';
import { serveEntityFetch } from '../src/cache/serveEntityFetch.ts';
import { createSubgraphFetch, type SubgraphFetch } from '../src/createSubgraphFetch.ts';
import { subgraphResilience } from '../src/resilience/subgraphResilience.ts';

/**
 * A small real subgraph over HTTP that resolves `_entities` (a name per id, for the caller; the id
 * `broken` fails) and records the representations it was sent; the entity cache on real Redis,
 * under a prefix of this file.
 */
let server: Server;
let subgraphFetch: SubgraphFetch;
let cache: EntityCache;
let sent: string[][] = [];
const bus = eventBus({ prefix: `test-${randomUUID()}` });
const logger = createLogger('gateway');

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { variables } = JSON.parse(Buffer.concat(chunks).toString()) as {
      variables: { representations: Representation[] };
    };
    const ids = variables.representations.map((rep) => rep.id as string);
    sent.push(ids);
    const who = request.headers[CALLER_SUBJECT_HEADER] ?? 'anyone';
    const broken = ids.indexOf('broken');
    const body = {
      data: { _entities: ids.map((id) => (id === 'broken' ? null : { id, name: `${id} for ${who}` })) },
      ...(broken >= 0
        ? { errors: [{ message: 'no such entity', path: ['_entities', broken, 'name'] }] }
        : {}),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  subgraphFetch = createSubgraphFetch({
    name: 'driver',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    token: 'gateway-credential',
    logger,
    resilience: subgraphResilience('driver', {
      timeoutMs: 5_000,
      retries: 0,
      breakerFailures: 1_000,
      halfOpenAfterMs: 1_000,
    }),
    cache: undefined,
    collapse: false,
  });
  cache = createEntityCache(
    {
      types: { Driver: { subgraph: 'driver', ttlSeconds: 60 }, Ride: { subgraph: 'driver', ttlSeconds: 60 } },
    },
    bus,
    logger,
  );
  // The cache connects in the background (a request never waits for Redis): wait until it stores.
  const probe = { __typename: 'Driver', id: 'probe' };
  await vi.waitFor(async () => {
    await cache.store([{ rep: probe, generation: '', entity: {} }], 'probe');
    expect((await cache.lookup([probe], 'probe'))[0]?.hit).toEqual({});
  });
});
afterAll(async () => {
  await subgraphFetch?.close();
  await cache?.close();
  await clearEventBus(bus);
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
});
beforeEach(() => {
  sent = [];
});

const query =
  'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Driver { id name } } }';
function entityFetch(typename: string, ids: string[], caller: Caller, operation = 'query') {
  return {
    request: { query, variables: { representations: ids.map((id) => ({ __typename: typename, id })) } },
    context: { caller },
    incomingRequestContext: { operation: { operation } },
  } as unknown as GraphQLDataSourceProcessOptions;
}
const alice: Caller = { subject: 'alice', scopes: ['customer'] };
const bob: Caller = { subject: 'bob', scopes: ['customer'] };
const noCache = { subgraph: 'driver', cache: undefined, policy: { callerDependentTypes: new Set<string>() } };

describe('the entity lookup in front of a subgraph fetch', () => {
  it('sends each distinct entity once and spreads the answers and errors over every position', async () => {
    const answer = await serveEntityFetch(entityFetch('Driver', ['a', 'broken', 'a', 'b', 'broken'], alice), {
      ...noCache,
      fetch: subgraphFetch,
    });
    expect(sent).toEqual([['a', 'broken', 'b']]);
    expect(answer.data?._entities).toEqual([
      { id: 'a', name: 'a for alice' },
      null,
      { id: 'a', name: 'a for alice' },
      { id: 'b', name: 'b for alice' },
      null,
    ]);
    expect(answer.errors?.map((error) => error.path)).toEqual([
      ['_entities', 1, 'name'],
      ['_entities', 4, 'name'],
    ]);
  });

  it('sends only the entities the cache misses, merged back in order, and never caches a failed one', async () => {
    const driver = `d-${randomUUID()}`;
    const options = { ...noCache, cache, fetch: subgraphFetch };
    await serveEntityFetch(entityFetch('Driver', [driver, 'broken'], alice), options);
    const other = `d-${randomUUID()}`;
    const answer = await serveEntityFetch(entityFetch('Driver', [other, driver, 'broken'], alice), options);
    expect(sent).toEqual([
      [driver, 'broken'],
      [other, 'broken'],
    ]);
    expect(answer.data?._entities).toEqual([
      { id: other, name: `${other} for alice` },
      { id: driver, name: `${driver} for alice` },
      null,
    ]);
    expect(answer.errors?.map((error) => error.path)).toEqual([['_entities', 2, 'name']]);
  });

  it('serves an entity whose answer depends on the caller only to that caller, and never serves a mutation from the cache', async () => {
    const ride = `r-${randomUUID()}`;
    const options = {
      ...noCache,
      cache,
      policy: { callerDependentTypes: new Set(['Ride']) },
      fetch: subgraphFetch,
    };
    await serveEntityFetch(entityFetch('Ride', [ride], alice), options);
    const forBob = await serveEntityFetch(entityFetch('Ride', [ride], bob), options);
    const forAlice = await serveEntityFetch(entityFetch('Ride', [ride], alice), options);
    await serveEntityFetch(entityFetch('Ride', [ride], alice, 'mutation'), options);
    expect(sent).toEqual([[ride], [ride], [ride]]);
    expect(forBob.data?._entities).toEqual([{ id: ride, name: `${ride} for bob` }]);
    expect(forAlice.data?._entities).toEqual([{ id: ride, name: `${ride} for alice` }]);
  });
});
