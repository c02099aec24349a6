import { composeServices } from '@apollo/composition';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { ApolloGateway } from '@apollo/gateway';
// @apollo/gateway's result shaping itself: what the pass-through's check must agree with.
import { computeResponse } from '@apollo/gateway/dist/resultShaping.js';
import { type GraphQLSchema, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAnswerCheck } from '../src/passThrough/answerCheck.ts';

/**
 * The pass-through's check against @apollo/gateway's `computeResponse`: the check may only pass
 * when shaping returns the answer unchanged (no error, the same JSON), and does pass for the answers
 * a subgraph gives; where it is stricter than the shaping, the answer is shaped (correct, only
 * slower). A small supergraph with what ours lacks: an interface, an @inaccessible enum value, a
 * custom scalar.
 */
const subgraphSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@inaccessible"])
  scalar Json
  enum Size { S M L HIDDEN @inaccessible }
  interface Named { name: String! }
  type Part { label: String! n: Int! }
  type Thing implements Named @key(fields: "id") {
    id: ID!
    name: String!
    size: Size
    count: Int
    ratio: Float
    on: Boolean
    data: Json
    tags: [String!]
    parts: [Part!]!
    maybe: Part
  }
  type Query { things: [Thing!]! named: [Named!]! }
`;
const composed = composeServices([
  { name: 'things', typeDefs: parse(subgraphSdl), url: 'http://127.0.0.1:9' },
]);
if (!composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.join('; ')}`);
const supergraphSdl = composed.supergraphSdl;
const apiSchema = Supergraph.build(supergraphSdl).apiSchema();
const gateway = new ApolloGateway({ supergraphSdl });
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = (await gateway.load()).schema;
});
afterAll(() => gateway.stop());

/** @apollo/gateway's shaping of `data`: its JSON, or undefined when it reports an error. */
function shapedByGateway(query: string, data: unknown): string | undefined {
  const operation = operationFromDocument(apiSchema, parse(query));
  try {
    const shaped = computeResponse({
      operation,
      variables: {},
      input: structuredClone(data) as never,
      introspectionHandling: () => null,
    });
    return shaped.errors.length === 0 ? JSON.stringify(shaped.data) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether @apollo/gateway's shaping returns `data` as it is (a shaping that reports an error does not). */
function shapingKeeps(query: string, data: unknown): boolean {
  return shapedByGateway(query, data) === JSON.stringify(data);
}

const query = `{ things { __typename id name size count ratio on data tags parts { label n } maybe { n } } }`;
const thing = () => ({
  __typename: 'Thing',
  id: 'a1',
  name: 'first',
  size: 'M',
  count: 3,
  ratio: 0.5,
  on: true,
  data: { any: ['json', 1] },
  tags: ['x', 'y'],
  parts: [{ label: 'p', n: 1 }],
  maybe: null,
});
type Thing = ReturnType<typeof thing> & Record<string, unknown>;
/** The same keys, `id` moved to the end. */
const idLast = (t: Thing) => {
  const { id, ...rest } = t;
  for (const key of Object.keys(t)) delete t[key as keyof Thing];
  Object.assign(t, rest, { id });
};
const answer = (change: (thing: Thing) => void = () => {}) => {
  const changed = thing() as Thing;
  change(changed);
  return { things: [changed, thing()] };
};

describe('the answer check agrees with @apollo/gateway’s result shaping', () => {
  const cases: [string, unknown, boolean][] = [
    ['an answer as the subgraph gives it', answer(), true],
    [
      'null in nullable fields',
      answer((t) => Object.assign(t, { size: null, count: null, tags: null, data: null })),
      true,
    ],
    ['an ID as an integer', answer((t) => Object.assign(t, { id: 12 })), true],
    ['a custom scalar holding a number', answer((t) => Object.assign(t, { data: 7 })), true],
    ['a Float holding an integer', answer((t) => Object.assign(t, { ratio: 2 })), true],
    ['an empty list', answer((t) => Object.assign(t, { parts: [] })), true],
    ['keys in another order', answer(idLast), false],
    ['a key too many', answer((t) => Object.assign(t, { extra: 1 })), false],
    [
      'a key missing',
      answer((t) => {
        delete (t as Partial<Thing>).ratio;
      }),
      false,
    ],
    ['null where non-null', answer((t) => Object.assign(t, { name: null })), false],
    ['null in a non-null list element', answer((t) => Object.assign(t, { parts: [null] })), false],
    [
      'null in a non-null field of a nullable object',
      answer((t) => Object.assign(t, { maybe: { n: null } })),
      false,
    ],
    ['an @inaccessible enum value', answer((t) => Object.assign(t, { size: 'HIDDEN' })), false],
    ['an unknown enum value', answer((t) => Object.assign(t, { size: 'XL' })), false],
    ['an Int holding a fraction', answer((t) => Object.assign(t, { count: 1.5 })), false],
    ['an Int holding a string', answer((t) => Object.assign(t, { count: '3' })), false],
    ['a Float holding a string', answer((t) => Object.assign(t, { ratio: '0.5' })), false],
    ['a String holding a number', answer((t) => Object.assign(t, { name: 5 })), false],
    ['a Boolean holding a number', answer((t) => Object.assign(t, { on: 1 })), false],
    ['an ID holding a boolean', answer((t) => Object.assign(t, { id: true })), false],
    ['a list holding an object', answer((t) => Object.assign(t, { tags: { a: 1 } })), false],
    ['an object holding a list', answer((t) => Object.assign(t, { maybe: [{ n: 1 }] })), false],
  ];

  it.each(cases)('%s', (_, data, expected) => {
    const compiled = compileAnswerCheck(schema, parse(query), undefined);
    expect(compiled).toBeDefined();
    expect(shapingKeeps(query, data)).toBe(expected);
    expect(compiled?.check(data)).toBe(expected);
  });

  it('is stricter than the shaping where a subgraph never answers so', () => {
    const compiled = compileAnswerCheck(schema, parse(query), undefined);
    // Shaping keeps any composite type's name; the check wants the field's own type.
    const renamed = answer((t) => Object.assign(t, { __typename: 'Part' }));
    expect(shapingKeeps(query, renamed)).toBe(true);
    expect(compiled?.check(renamed)).toBe(false);
    // The executor merges a subgraph's data into an empty object first; null is never kept.
    expect(compiled?.check(null)).toBe(false);
  });

  it.each([
    // Kept or not, the shape must give the shaping's result (or give up where the shaping errs).
    ...cases.map(([name, data]) => [name, data, undefined]),
    // What merging fetches leaves: keys the client did not select (entity keys, __typename), in fetch order.
    [
      'merged data: more keys, in another order',
      answer((t) => Object.assign(t, { extra: { deep: [1] }, __typename: 'Thing' })),
      true,
    ],
    ['merged data: keys in another order', answer(idLast), true],
    [
      'merged data: a nullable field missing',
      answer((t) => {
        delete (t as Partial<Thing>).count;
      }),
      true,
    ],
    [
      'merged data: a non-null field missing',
      answer((t) => {
        delete (t as Partial<Thing>).name;
      }),
      false,
    ],
  ] as [string, unknown, boolean][])(
    'the compiled shape gives what the shaping gives: %s',
    (_, data, shapes) => {
      const compiled = compileAnswerCheck(schema, parse(query), undefined);
      const expected = shapedByGateway(query, data);
      const shaped = compiled?.shape(data as Record<string, unknown>);
      if (shapes !== undefined) expect(expected !== undefined).toBe(shapes);
      expect(shaped === undefined ? undefined : JSON.stringify(shaped)).toBe(expected);
    },
  );

  it('merges fields as graphql-js does: fragments on the same type, aliases, fields selected twice', () => {
    const merged = `query M { things { ...T label: name parts { n } } }
      fragment T on Thing { id parts { label } ... on Thing { name } }`;
    const data = {
      things: [{ id: 'a', parts: [{ label: 'p', n: 1 }], name: 'n', label: 'n' }],
    };
    const compiled = compileAnswerCheck(schema, parse(merged), 'M');
    expect(shapingKeeps(merged, data)).toBe(true);
    expect(compiled?.check(data)).toBe(true);
    const reordered = { things: [{ id: 'a', parts: [{ n: 1, label: 'p' }], name: 'n', label: 'n' }] };
    expect(shapingKeeps(merged, reordered)).toBe(false);
    expect(compiled?.check(reordered)).toBe(false);
  });

  it('takes no operation whose shaping may do more than copy', () => {
    for (const refused of [
      '{ named { name } }', // an interface: __typename to resolve, fragments to prune
      'query ($s: Boolean!) { things { id @skip(if: $s) } }', // @skip/@include applied by the gateway
      '{ things { ... @include(if: true) { id } } }',
      '{ __schema { queryType { name } } things { id } }', // introspection
      '{ __type(name: "Thing") { name } }',
      'mutation { __typename }',
      'query A { things { id } } query B { things { name } }', // no operation named
    ])
      expect(compileAnswerCheck(schema, parse(refused), undefined), refused).toBeUndefined();
  });
});
