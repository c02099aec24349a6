import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fragmentPayload } from '../src/incremental/fragmentPayload.ts';
import { splitDeferred } from '../src/incremental/splitDeferred.ts';

const flat = (document: ReturnType<typeof parse>) => print(document).replace(/\s+/g, ' ');

describe('splitDeferred', () => {
  const query = `query Rides($later: Boolean!) {
    rides(first: 2) {
      id
      ...Details @defer(label: "details")
      ... @defer(if: $later) { status }
    }
  }
  fragment Details on Ride { driverName driver { name ... @defer(label: "car") { car { make } } } }`;

  it('numbers each active fragment with its path, parent and keys; an `if` that is false stays inline', () => {
    const split = splitDeferred(parse(query), undefined, { later: false })!;
    expect(split.fragments).toEqual([
      { id: 0, label: 'details', path: ['rides'], parent: undefined, keys: ['driverName', 'driver'] },
      { id: 1, label: 'car', path: ['rides', 'driver'], parent: 0, keys: ['car'] },
    ]);
    expect(flat(split.keep(new Set()))).toBe('query Rides { rides(first: 2) { id ... { status } } }');
    expect(flat(split.keep(new Set([0])))).toBe(
      'query Rides { rides(first: 2) { id ... on Ride { driverName driver { name } } ... { status } } }',
    );
    expect(flat(split.keep(new Set([0, 1])))).toContain('driver { name ... { car { make } } }');
  });

  it('keeps the selection valid when all of it is deferred, with a placeholder', () => {
    const split = splitDeferred(parse('{ rides { driver { ... @defer { name } } } }'), undefined, {})!;
    expect(flat(split.keep(new Set()))).toBe('{ rides { driver { _deferPlaceholder: __typename } } }');
  });

  it('leaves unknown and cyclic spreads to validation', () => {
    expect(splitDeferred(parse('{ rides { ...Nope @defer } }'), undefined, {})).toBeUndefined();
    const cyclic = 'query { rides { ...A @defer } } fragment A on Ride { id ...A }';
    expect(splitDeferred(parse(cyclic), undefined, {})).toBeUndefined();
  });
});

describe('fragmentPayload', () => {
  it('gives one entry per object on the path, with the errors under its fields', () => {
    const [fragment] = splitDeferred(
      parse('{ rides { id ... @defer(label: "d") { driver { name } } } }'),
      undefined,
      {},
    )!.fragments;
    const error = { message: 'down', path: ['rides', 1, 'driver'] };
    const items = fragmentPayload(fragment!, {
      data: { rides: [{ id: '1', driver: { name: 'A' } }, { id: '2', driver: null }, null] },
      errors: [error, { message: 'elsewhere', path: ['rides'] }],
    });
    expect(items).toEqual([
      { data: { driver: { name: 'A' } }, path: ['rides', 0], label: 'd' },
      { data: { driver: null }, path: ['rides', 1], label: 'd', errors: [error] },
    ]);
  });
});
