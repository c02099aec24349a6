import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  type Caller,
  createLogger,
  metrics,
  SERVICE_TOKEN_HEADER,
} from '@msd/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSubgraphFetch, type SubgraphFetch } from '../src/createSubgraphFetch.ts';
import { subgraphResilience } from '../src/resilience/subgraphResilience.ts';

/** A small real subgraph over HTTP: answers with what it was asked and for whom, and counts requests. */
let server: Server;
let url: string;
let received: { headers: IncomingMessage['headers']; query: string }[] = [];

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString()) as {
      query: string;
      variables?: { representations?: unknown[] };
    };
    received.push({ headers: request.headers, query });
    if (query.includes('failing')) return response.writeHead(500).end('subgraph failed');
    const answer = variables?.representations
      ? { _entities: variables.representations.map(() => ({ name: 'n' })) }
      : {
          who: request.headers[CALLER_SUBJECT_HEADER] ?? null,
          scopes: request.headers[CALLER_SCOPES_HEADER],
        };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: answer }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
beforeEach(() => {
  received = [];
});

const resilience = { timeoutMs: 5_000, retries: 0, breakerFailures: 1_000, halfOpenAfterMs: 1_000 };
const fetchFor = (collapse: boolean) =>
  createSubgraphFetch({
    name: 'unit',
    url,
    token: 'gateway-credential',
    logger: createLogger('gateway'),
    resilience: subgraphResilience('unit', resilience),
    cache: undefined,
    collapse,
  });

const alice: Caller = { subject: 'alice', scopes: ['customer'] };
function request(query: string, caller: Caller | undefined, variables: Record<string, unknown> = {}) {
  return { request: { query, variables }, context: { caller } } as unknown as GraphQLDataSourceProcessOptions;
}

const collapsed = async () =>
  (await metrics.getSingleMetric('subgraph_fetches_collapsed_total')?.get())?.values.find(
    (value) => value.labels.subgraph === 'unit',
  )?.value ?? 0;

async function withFetch(collapse: boolean, use: (fetch: SubgraphFetch) => Promise<void>) {
  const fetch = fetchFor(collapse);
  try {
    await use(fetch);
  } finally {
    await fetch.close();
  }
}

describe('the subgraph fetch', () => {
  it('sends identical queries in flight once, with the credential and the caller, and gives each caller its own copy', () =>
    withFetch(true, async (fetch) => {
      const before = await collapsed();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => fetch(request('query Q { who }', alice, { first: 1 }))),
      );
      expect(received).toHaveLength(1);
      expect(received[0]!.headers[SERVICE_TOKEN_HEADER]).toBe('gateway-credential');
      expect(received[0]!.headers[CALLER_SUBJECT_HEADER]).toBe('alice');
      expect((await collapsed()) - before).toBe(9);
      for (const answer of answers) expect(answer).toEqual({ data: { who: 'alice', scopes: 'customer' } });
      expect(new Set(answers.map((answer) => answer.data)).size).toBe(10);
    }));

  it('sends a query again once the identical one has been answered: nothing is cached', () =>
    withFetch(true, async (fetch) => {
      await fetch(request('query Q { who }', alice));
      await fetch(request('query Q { who }', alice));
      expect(received).toHaveLength(2);
    }));

  it('never shares an answer between callers, nor between different variables', () =>
    withFetch(true, async (fetch) => {
      const answers = await Promise.all([
        fetch(request('query Q { who }', alice)),
        fetch(request('query Q { who }', { subject: 'bob', scopes: ['customer'] })),
        fetch(request('query Q { who }', { subject: 'alice', scopes: ['customer', 'operator'] })),
        fetch(request('query Q { who }', undefined)),
        fetch(request('query Q { who }', alice, { first: 2 })),
      ]);
      expect(received).toHaveLength(5);
      expect(answers.map((answer) => answer.data?.who)).toEqual(['alice', 'bob', 'alice', null, 'alice']);
      expect(answers[2]!.data?.scopes).toBe('customer operator');
    }));

  it('sends every mutation, however identical', () =>
    withFetch(true, async (fetch) => {
      await Promise.all(Array.from({ length: 5 }, () => fetch(request('mutation M { who }', alice))));
      expect(received).toHaveLength(5);
    }));

  it('sends every query when collapsing is off', () =>
    withFetch(false, async (fetch) => {
      await Promise.all(Array.from({ length: 5 }, () => fetch(request('query Q { who }', alice))));
      expect(received).toHaveLength(5);
    }));

  it('gives the failure of a shared fetch to each caller, as errors on its own entities', () =>
    withFetch(true, async (fetch) => {
      const representations = [
        { __typename: 'Product', id: '1' },
        { __typename: 'Product', id: '2' },
      ];
      const query =
        'query failing($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { name } } }';
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => fetch(request(query, alice, { representations }), representations)),
      );
      expect(received).toHaveLength(1);
      for (const answer of answers) {
        expect(answer.data).toBeUndefined();
        expect(answer.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
          ['SERVICE_UNAVAILABLE', ['_entities', 0]],
          ['SERVICE_UNAVAILABLE', ['_entities', 1]],
        ]);
      }
    }));
});
