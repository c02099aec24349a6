import { createServer, type Server } from 'node:http';
import { createDriverServer } from '@msd/driver-service';
import { openDriverDatabase } from '@msd/driver-service/database';
import { graphqlRequest, readCounter, testServiceCalls } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

let cached: TestFederation;

/**
 * Through `url` (the gateway, or the driver service itself with the service credential), each with a
 * rating of 4 set in its database (a rating needs a finished ride: setup, not what is tested here).
 */
async function createDrivers(
  url: string,
  driverDatabaseUrl: string,
  count: number,
  label: string,
  direct = false,
) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { data } = await graphqlRequest<{ createDriver: { id: string } }>(
      url,
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      {
        input: {
          name: `${label} ${i}`,
          car: { make: 'Kia', model: 'Niro', color: 'blue', plate: `${label}-${i}` },
        },
      },
      { as: 'operator', ...(direct ? { asService: 'driver' as const } : {}) },
    );
    ids.push(data!.createDriver.id);
  }
  const db = openDriverDatabase(driverDatabaseUrl);
  try {
    await db.driver.updateMany({ where: { id: { in: ids } }, data: { ratingTotal: 4, ratingCount: 1 } });
  } finally {
    await db.$disconnect();
  }
  return ids;
}

/** Finishes a ride and waits until the driver service knows it (RideCompleted applied): it may be rated. */
async function finishRide(federation: TestFederation, rideId: string) {
  const done = await graphqlRequest(
    federation.gatewayUrl,
    'mutation ($id: ID!) { completeRide(id: $id) { id } }',
    { id: rideId },
    { as: 'operator' },
  );
  expect(done.errors).toBeUndefined();
  const db = openDriverDatabase(federation.subgraphs.driver.databaseUrl);
  try {
    await vi.waitFor(async () => expect(await db.rateableRide.count({ where: { rideId } })).toBe(1), {
      timeout: 15_000,
    });
  } finally {
    await db.$disconnect();
  }
}

async function requestRides(url: string, drivers: string[], direct = false) {
  for (const driverId of drivers) {
    const { errors } = await graphqlRequest(
      url,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId },
      { as: 'operator', ...(direct ? { asService: 'ride' as const } : {}) },
    );
    expect(errors).toBeUndefined();
  }
}

const ridesQuery = '{ rides(first: 100) { id driverId driverName driver { id name rating } } }';
type Ride = {
  id: string;
  driverId: string;
  driverName: string;
  driver: { id: string; name: string; rating: number } | null;
};

beforeAll(async () => {
  cached = await startTestFederation({ events: true });
}, 120_000);
afterAll(() => cached?.stop());

const metricsOf = (federation: TestFederation) => federation.gatewayUrl.replace(/graphql$/, 'metrics');
const lookups = (result: 'hit' | 'miss') =>
  readCounter(metricsOf(cached), 'entity_cache_lookups_total', { type: 'Driver', result });

/** Drivers (rated 4) and one ride each, of the calling test's own: no test reads another's entities. */
async function ridesWithNewDrivers(label: string, count: number) {
  const drivers = await createDrivers(
    cached.gatewayUrl,
    cached.subgraphs.driver.databaseUrl,
    count,
    `${label} ${Math.random().toString(36).slice(2, 8)}`,
  );
  const rides: string[] = [];
  for (const driverId of drivers) {
    const { data, errors } = await graphqlRequest<{ requestRide: { id: string } }>(
      cached.gatewayUrl,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId },
      { as: 'operator' },
    );
    expect(errors).toBeUndefined();
    rides.push(data!.requestRide.id);
  }
  return { drivers, rides };
}

/** These rides (and no other), through the gateway, with their drivers. */
async function readRides(rides: string[]) {
  const response = await graphqlRequest<Record<string, Ride>>(
    cached.gatewayUrl,
    `{ ${rides.map((id, i) => `r${i}: ride(id: "${id}") { id driverId driverName driver { id name rating } }`).join(' ')} }`,
    {},
    { as: 'operator' },
  );
  expect(response.errors).toBeUndefined();
  return rides.map((_, i) => response.data![`r${i}`]!);
}

describe('entity cache in the gateway', () => {
  it('serves repeated reads from the cache, and only the misses reach the driver service, merged in order', async () => {
    const { rides } = await ridesWithNewDrivers('Cached', 2);
    const first = await readRides(rides);
    const [hitsBefore, missesBefore] = [await lookups('hit'), await lookups('miss')];
    const again = await readRides(rides);
    expect(again).toEqual(first);
    expect([(await lookups('hit')) - hitsBefore, (await lookups('miss')) - missesBefore]).toEqual([2, 0]);

    // A third driver's ride: two hits and one miss in one fetch, each ride still with its own driver.
    const third = await ridesWithNewDrivers('Third', 1);
    const [hits, misses] = [await lookups('hit'), await lookups('miss')];
    const mixed = await readRides([...rides, ...third.rides]);
    expect([(await lookups('hit')) - hits, (await lookups('miss')) - misses]).toEqual([2, 1]);
    for (const ride of mixed) expect(ride.driver).toMatchObject({ id: ride.driverId, name: ride.driverName });
  });

  it('drops a cached driver when its DriverUpdated event is processed: the next read shows the new rating', async () => {
    const { drivers, rides } = await ridesWithNewDrivers('Rated', 1);
    const ratingOf = async () => (await readRides(rides))[0]!.driver!.rating;
    expect(await ratingOf()).toBe(4);
    const invalidations = await readCounter(metricsOf(cached), 'entity_cache_invalidations_total', {
      type: 'Driver',
    });
    await finishRide(cached, rides[0]!);
    const rated = await graphqlRequest(
      cached.gatewayUrl,
      'mutation ($id: ID!, $rideId: ID!) { rateDriver(id: $id, stars: 1, rideId: $rideId) { rating } }',
      { id: drivers[0], rideId: rides[0] },
      { as: 'operator' },
    );
    expect(rated.errors).toBeUndefined();
    await vi.waitFor(
      async () =>
        expect(
          await readCounter(metricsOf(cached), 'entity_cache_invalidations_total', { type: 'Driver' }),
        ).toBe(invalidations + 1),
      { timeout: 15_000 },
    );
    expect(await ratingOf()).toBe(2.5);
  });

  it('never serves a mutation from the cache', async () => {
    const { drivers, rides } = await ridesWithNewDrivers('Mutated', 1);
    const driverId = drivers[0]!;
    await readRides(rides); // cached now
    // Change the owner behind the cache's back (no event): queries still see the cached entity...
    const db = openDriverDatabase(cached.subgraphs.driver.databaseUrl);
    await db.driver.update({ where: { id: driverId }, data: { ratingTotal: 5, ratingCount: 1 } });
    await db.$disconnect();
    expect((await readRides(rides))[0]!.driver?.rating).toBe(4);
    // ...while the entity fetch of a mutation goes to the driver service.
    const { data } = await graphqlRequest<{ requestRide: Ride }>(
      cached.gatewayUrl,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { driver { rating } } }',
      { driverId },
      { as: 'operator' },
    );
    expect(data!.requestRide.driver?.rating).toBe(5);
  });
});

/** Steady load of ride queries; every answer is recorded with its status and time. */
async function load(federation: TestFederation, durationMs: number, during: () => Promise<void>) {
  const answers: { status: number; ms: number; rides: Ride[]; errors: unknown[] }[] = [];
  let running = true;
  const clients = Array.from({ length: 4 }, async () => {
    while (running) {
      const started = performance.now();
      const response = await graphqlRequest<{ rides: Ride[] }>(
        federation.gatewayUrl,
        ridesQuery,
        {},
        { as: 'operator' },
      );
      answers.push({
        status: response.status,
        ms: performance.now() - started,
        rides: response.data?.rides ?? [],
        errors: response.errors ?? [],
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  await during();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  running = false;
  await Promise.all(clients);
  return answers;
}

const budgetMs = 300;

/**
 * A federation of its own with a tight driver budget and four rides: each failure scenario starts
 * with a closed breaker, whatever another scenario did to its own.
 */
async function degradableFederation(driverNames: string): Promise<TestFederation> {
  const federation = await startTestFederation({
    resilience: { driver: { timeoutMs: budgetMs, retries: 1, breakerFailures: 3, halfOpenAfterMs: 500 } },
  });
  // Straight to the services: the gateway's tight budget is for the scenarios, not for the setup.
  const drivers = await createDrivers(
    federation.subgraphs.driver.url,
    federation.subgraphs.driver.databaseUrl,
    4,
    driverNames,
    true,
  );
  await requestRides(federation.subgraphs.ride.url, drivers, true);
  return federation;
}

describe('graceful degradation when the driver service fails', () => {
  let federation: TestFederation;
  beforeAll(async () => {
    federation = await degradableFederation('Degraded');
  }, 120_000);
  afterAll(() => federation?.stop());

  it('answers every request with local fields and per-path errors while the driver service is down, and recovers when it returns', async () => {
    const driver = federation.subgraphs.driver;
    const port = Number(new URL(driver.url).port);
    const down = await load(federation, 1_500, () => driver.server.stop());
    // At least one answer per client; how many fit in the window depends on the machine.
    expect(down.length).toBeGreaterThanOrEqual(4);
    for (const answer of down) {
      expect(answer.status).toBe(200);
      expect(answer.rides).toHaveLength(4);
      for (const ride of answer.rides) expect(ride.driverName).toMatch(/^Degraded \d$/);
    }
    const failed = down.filter((a) => a.rides.every((r) => r.driver === null));
    expect(failed.length).toBeGreaterThan(0);
    for (const answer of failed) {
      expect(answer.errors).toHaveLength(4);
      expect(answer.errors).toContainEqual(
        expect.objectContaining({
          path: ['rides', 0, 'driver'],
          extensions: expect.objectContaining({ service: 'driver' }),
        }),
      );
    }
    expect(await readCounter(metricsOf(federation), 'subgraph_circuit_state', { subgraph: 'driver' })).toBe(
      1,
    );

    // The driver service comes back on its port: the breaker half-opens, probes, closes.
    const revived = createDriverServer({
      databaseUrl: driver.databaseUrl,
      services: testServiceCalls({}, 'driver'),
    });
    await revived.listen(port);
    try {
      await vi.waitFor(
        async () => {
          const { data } = await graphqlRequest<{ rides: Ride[] }>(
            federation.gatewayUrl,
            ridesQuery,
            {},
            { as: 'operator' },
          );
          expect(data!.rides.every((r) => r.driver?.name === r.driverName)).toBe(true);
        },
        { timeout: 5_000, interval: 100 },
      );
      expect(await readCounter(metricsOf(federation), 'subgraph_circuit_state', { subgraph: 'driver' })).toBe(
        0,
      );
    } finally {
      await revived.stop();
    }
  });
});

describe('a driver service that hangs', () => {
  let federation: TestFederation;
  beforeAll(async () => {
    federation = await degradableFederation('Hanging');
  }, 120_000);
  afterAll(() => federation?.stop());

  // How long the answers take is measured by the trade-offs run (`npm run bench`, scenarios hybrid.sync and hybrid.cache), not asserted here.
  it('answers with the drivers null once the time budget runs out, and counts the timeouts', async () => {
    const driver = federation.subgraphs.driver;
    const port = Number(new URL(driver.url).port);
    await driver.server.stop();
    const hanging: Server = createServer(() => {}); // accepts requests, never answers
    await new Promise<void>((resolve) => hanging.listen(port, '127.0.0.1', resolve));
    try {
      const answers = await load(federation, 1_500, async () => {});
      expect(answers.length).toBeGreaterThan(0);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.rides.map((r) => r.driver)).toEqual([null, null, null, null]);
      }
      const timeouts = await readCounter(metricsOf(federation), 'subgraph_calls_total', {
        subgraph: 'driver',
        outcome: 'timeout',
      });
      expect(timeouts).toBeGreaterThan(0);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});
