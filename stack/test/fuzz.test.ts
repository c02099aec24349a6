import { developmentToken } from '@msd/service-kit';
import { graphqlRequest } from '@msd/testing';
import fc from 'fast-check';
import {
  buildClientSchema,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  type IntrospectionQuery,
  isObjectType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

// Property-based fuzzing of the public surface over real HTTP: generated documents (valid and
// broken, from the schema), variables, headers, tokens and raw bodies. Whatever arrives, the
// gateway answers below 500, keeps serving, and its memory stays bounded.
// `npm run fuzz` runs it longer (FUZZ_RUNS, default 20,000 there).
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
let federation: TestFederation;
let schema: GraphQLSchema;
const tokens: string[] = [];

beforeAll(async () => {
  federation = await startTestFederation({
    // A loaded machine answers slowly; the claim here is about answers, not timeouts.
    resilience: Object.fromEntries(
      ['product', 'order', 'inventory', 'shipping', 'driver', 'ride'].map((name) => [
        name,
        { timeoutMs: 10_000 },
      ]),
    ),
  });
  await seedOrders(federation.gatewayUrl, { products: 3, orders: 5, itemsPerOrder: 2 });
  for (const role of ['customer', 'rider', 'operator'] as const) tokens.push(await developmentToken(role));
  const response = await fetch(federation.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[2]}` },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  schema = buildClientSchema(((await response.json()) as { data: IntrospectionQuery }).data);
}, 120_000);
afterAll(() => federation?.stop());

const names = fc.constantFrom('id', 'name', 'orders', 'shipment', 'order', 'x', '__typename', 'stock');
const scalarValue = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
  fc.constantFrom(
    '0',
    '-1',
    '101',
    '1e309',
    '99999999999999999999',
    'null',
    'true',
    '$v',
    'STRONG',
    '[]',
    '{}',
  ),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
);

/** A selection set for a type, from its real fields, with noise: aliases, unknown fields, fragments, directives. */
function selection(type: GraphQLObjectType, depth: number): fc.Arbitrary<string> {
  const all = Object.values(type.getFields());
  // At the last level only leaves, so that most documents are valid and get planned and executed.
  const leaves = all.filter((f) => !isObjectType(getNamedType(f.type)));
  const fields = depth > 0 || leaves.length === 0 ? all : leaves;
  const field: fc.Arbitrary<string> = fc
    .tuple(
      fc.constantFrom(...fields),
      fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { freq: 3 }),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant([] as [string, string][]) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.tuple(fc.constantFrom('first', 'after', 'id', 'input', 'consistency', 'bogus'), scalarValue),
            { maxLength: 2 },
          ),
        },
      ),
      fc.constantFrom('', '', '', ' @include(if: true)', ' @skip(if: $flag)', ' @deprecated'),
    )
    .chain(
      ([f, alias, args, directive]: [
        GraphQLField<unknown, unknown>,
        string | null,
        [string, string][],
        string,
      ]) => {
        const head = `${alias ? `${alias}: ` : ''}${f.name}${args.length ? `(${args.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}${directive}`;
        const named = getNamedType(f.type);
        if (isObjectType(named) && depth > 0)
          return selection(named, depth - 1).map((inner) => `${head} ${inner}`);
        return fc.constant(head);
      },
    );
  return fc
    .array(
      fc.oneof(
        { weight: 8, arbitrary: field },
        { weight: 1, arbitrary: names },
        { weight: 1, arbitrary: fc.constant(`... on ${type.name} { __typename }`) },
      ),
      {
        minLength: 0,
        maxLength: 4,
      },
    )
    .map((parts) => `{ ${parts.join(' ')} }`);
}

const documents = () =>
  fc.oneof(
    { weight: 6, arbitrary: selection(schema.getQueryType()!, 3) },
    { weight: 2, arbitrary: selection(schema.getMutationType()!, 2).map((s) => `mutation ${s}`) },
    {
      weight: 1,
      arbitrary: selection(schema.getQueryType()!, 3).map((s) => `query Q($flag: Boolean, $v: Int) ${s}`),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{',
        '}}}}',
        '{ __schema { types { name } } }',
        'subscription { x }',
        `{ ${'a: products { id } '.repeat(50)} }`,
        `{${'{'.repeat(500)}`,
      ),
    },
  );

const variables = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom('flag', 'v', 'first', 'id', 'input'), fc.jsonValue({ maxDepth: 2 }), {
    maxKeys: 3,
  }),
  fc.jsonValue({ maxDepth: 2 }),
);
const authorization = () =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
    { weight: 1, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t.slice(0, -3)}xyz`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`) },
  );

describe('fuzzing the gateway over HTTP', () => {
  it(
    `answers ${RUNS} generated requests below 500, keeps serving, with bounded memory`,
    async () => {
      const heapBefore = process.memoryUsage().heapUsed;
      const statuses = new Map<number, number>();
      const request = fc.oneof(
        {
          weight: 8,
          arbitrary: fc.record({
            kind: fc.constant('graphql' as const),
            query: documents(),
            variables,
            operationName: fc.option(fc.constantFrom('Q', 'X', ''), { nil: undefined }),
            authorization: authorization(),
            get: fc.boolean(),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('raw' as const),
            body: fc.oneof(
              fc.string({ maxLength: 300 }),
              fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
            ),
            contentType: fc.constantFrom(
              'application/json',
              'text/plain',
              'application/graphql',
              'multipart/form-data',
              '',
            ),
            method: fc.constantFrom('POST', 'GET', 'PUT', 'OPTIONS', 'DELETE'),
            path: fc.constantFrom(
              '/',
              '/graphql',
              '/ready',
              '/health',
              '/subgraphs',
              '/nope',
              '/graphql?query=%7B',
              '//x',
              '/%',
            ),
            authorization: authorization(),
          }),
        },
      );
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const url = new URL(federation.gatewayUrl);
          let response: Response;
          if (r.kind === 'graphql') {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (r.authorization !== undefined) headers.authorization = r.authorization;
            if (r.get) {
              url.searchParams.set('query', r.query);
              if (r.variables !== undefined) url.searchParams.set('variables', JSON.stringify(r.variables));
              response = await fetch(url, { headers: { ...headers, 'apollo-require-preflight': 'true' } });
            } else {
              response = await fetch(url, {
                method: 'POST',
                headers,
                body: JSON.stringify({
                  query: r.query,
                  variables: r.variables,
                  operationName: r.operationName,
                }),
              });
            }
          } else {
            const headers: Record<string, string> = {};
            if (r.contentType) headers['content-type'] = r.contentType;
            if (r.authorization !== undefined) headers.authorization = r.authorization;
            response = await fetch(`${url.origin}${r.path}`, {
              method: r.method,
              headers,
              ...(r.method === 'GET' || r.method === 'OPTIONS' ? {} : { body: r.body }),
            });
          }
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, JSON.stringify(r).slice(0, 500)).toBeLessThan(500);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      // Still serving, and the heap grew by no more than a bounded amount over thousands of requests.
      expect((await fetch(`${new URL(federation.gatewayUrl).origin}/health`)).status).toBe(200);
      const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
      console.log('fuzz statuses', Object.fromEntries(statuses), `heap growth ${growthMb.toFixed(1)} MiB`);
      expect(growthMb).toBeLessThan(200);
      // And still answering: a valid read after the fuzz gets its data (how many generated requests
      // were valid is random per run, so it is printed above, not asserted).
      const { data, errors } = await graphqlRequest<{ products: { id: string }[] }>(
        federation.gatewayUrl,
        '{ products(first: 1) { id } }',
        {},
        { as: 'operator' },
      );
      expect(errors).toBeUndefined();
      expect(data?.products).toHaveLength(1);
    },
    Math.max(600_000, RUNS * 100),
  ); // 20,000 runs on a loaded 2-core machine take a while
});
