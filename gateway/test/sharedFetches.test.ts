import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { describe, expect, it } from 'vitest';
import { type SharedFetches, type SubgraphRequest, sharedFetches } from '../src/incremental/sharedFetches.ts';

// Fetches as @apollo/gateway's planner writes them for the rides read, without and with its fragment.
const initialRides = 'query Rides__ride__0{rides(first:20){id driverName}}';
const fragmentRides = 'query Rides__ride__0{rides(first:20){id driverName driver{__typename id}}}';
const drivers =
  'query Rides__driver__1($representations:[_Any!]!){_entities(representations:$representations){...on Driver{name rating}}}';
const fetchNode = (serviceName: string, operation: string, requires?: unknown) => ({
  kind: 'Fetch',
  serviceName,
  operation,
  operationKind: 'query',
  ...(requires ? { requires } : {}),
});
const initialPlan = { node: fetchNode('ride', initialRides) };
const driverKey = [{ kind: 'InlineFragment', typeCondition: 'Driver', selections: [] }];
const fragmentPlan = {
  node: {
    kind: 'Sequence',
    nodes: [
      fetchNode('ride', fragmentRides),
      { kind: 'Flatten', path: ['rides', '@', 'driver'], node: fetchNode('driver', drivers, driverKey) },
    ],
  },
};

/** A subgraph that answers every fetch it is sent with `answer` and records what it was sent. */
function subgraph(answer: (request: SubgraphRequest) => GatewayGraphQLResponse) {
  const sent: SubgraphRequest[] = [];
  return {
    sent,
    send: async (request: SubgraphRequest) => {
      sent.push(request);
      return answer(request);
    },
  };
}

const rides = {
  data: {
    rides: [
      { id: '1', driverName: 'Ada', driver: { __typename: 'Driver', id: 'd1' } },
      { id: '2', driverName: 'Bo', driver: { __typename: 'Driver', id: 'd2' } },
    ],
  },
};

function fetchOf(shared: SharedFetches, send: (request: SubgraphRequest) => Promise<GatewayGraphQLResponse>) {
  return (service: string, query: string, variables?: Record<string, unknown>) =>
    shared.fetch(service, { query, variables, operationName: query.match(/query (\w+)/)?.[1] }, '', send);
}

describe('sharedFetches', () => {
  it('sends the initial part’s rides and the fragment’s as one fetch, their union, and each gets its own copy', async () => {
    const shared = sharedFetches(2);
    const [initial, fragment] = [{}, {}];
    const ride = subgraph(() => structuredClone(rides));
    const fetch = fetchOf(shared, ride.send);
    const answers = [fetch('ride', initialRides), fetch('ride', fragmentRides)];
    shared.planned(initial, initialPlan, {});
    expect(ride.sent).toHaveLength(0); // nothing leaves before every part has planned
    shared.planned(fragment, fragmentPlan, {});
    const [first, second] = await Promise.all(answers);
    expect(ride.sent).toHaveLength(1);
    expect(ride.sent[0]!.query!.replace(/\s+/g, ' ')).toBe(
      'query Rides__ride__0 { rides(first: 20) { id driverName driver { __typename id } } }',
    );
    expect(first).toEqual(rides);
    expect(second).toEqual(rides);
    expect(first).not.toBe(second);
  });

  it('sends an entity fetch made by two parts with the same representations once', async () => {
    const shared = sharedFetches(2);
    const [one, two] = [{}, {}];
    shared.planned(one, fragmentPlan, {});
    shared.planned(two, fragmentPlan, {});
    const driver = subgraph(() => ({ data: { _entities: [{ name: 'Ada', rating: 5 }] } }));
    const fetch = fetchOf(shared, driver.send);
    const representations = [{ __typename: 'Driver', id: 'd1' }];
    await Promise.all([
      fetch('driver', drivers, { representations }),
      fetch('driver', drivers, { representations: structuredClone(representations) }),
    ]);
    await fetch('driver', drivers, { representations: [{ __typename: 'Driver', id: 'd2' }] });
    expect(driver.sent.map((request) => request.variables)).toEqual([
      { representations },
      { representations: [{ __typename: 'Driver', id: 'd2' }] },
    ]);
  });

  it('lets a part that ended without a plan (refused before planning) release the others', async () => {
    const shared = sharedFetches(2);
    const ride = subgraph(() => structuredClone(rides));
    const answer = fetchOf(shared, ride.send)('ride', initialRides);
    shared.planned({}, initialPlan, {});
    shared.ended({});
    await expect(answer).resolves.toEqual(rides);
    expect(ride.sent[0]!.query).toBe(initialRides);
  });

  it('leaves fetches apart whose union cannot be written: one response key for two arguments', async () => {
    const shared = sharedFetches(2);
    const other = 'query Rides__ride__0{rides(first:5){id}}';
    shared.planned({}, initialPlan, {});
    shared.planned({}, { node: fetchNode('ride', other) }, {});
    const ride = subgraph(() => structuredClone(rides));
    const fetch = fetchOf(shared, ride.send);
    await Promise.all([fetch('ride', initialRides), fetch('ride', other)]);
    expect(ride.sent.map((request) => request.query)).toEqual([initialRides, other]);
  });

  it('sends a part its own fetch when the union’s answer has an error in a field only another part selected', async () => {
    const shared = sharedFetches(2);
    shared.planned({}, initialPlan, {});
    shared.planned({}, fragmentPlan, {});
    const failedDriver = {
      data: { rides: null },
      errors: [{ message: 'no driver', path: ['rides', 0, 'driver'] }],
    };
    const ride = subgraph((request) =>
      request.query === initialRides ? structuredClone(rides) : structuredClone(failedDriver),
    );
    const fetch = fetchOf(shared, ride.send);
    const [initial, fragment] = await Promise.all([
      fetch('ride', initialRides),
      fetch('ride', fragmentRides),
    ]);
    expect(fragment).toEqual(failedDriver);
    expect(initial).toEqual(rides);
    expect(ride.sent).toHaveLength(2);
  });

  it('shares a failure: every part that asked gets it, and the subgraph was asked once', async () => {
    const shared = sharedFetches(2);
    shared.planned({}, initialPlan, {});
    shared.planned({}, fragmentPlan, {});
    let sent = 0;
    const fetch = fetchOf(shared, async () => {
      sent++;
      throw new Error('ride is down');
    });
    const results = await Promise.allSettled([fetch('ride', initialRides), fetch('ride', fragmentRides)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(sent).toBe(1);
  });
});
