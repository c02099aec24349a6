import { createServer, type Server } from 'node:http';
import { createDriverServer } from '@msd/driver-service';
import { openDriverDatabase } from '@msd/driver-service/database';
import { graphqlRequest, readCounter, testServiceCalls } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

let cached: TestFederation;
let driverIds: string[] = [];
let rideDrivers: string[] = [];

async function createDrivers(gatewayUrl: string, count: number, label: string) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { data, errors } = await graphqlRequest<{ createDriver: { id: string } }>(
      gatewayUrl,
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      {
        input: {
          name: `${label} ${i}`,
          car: { make: 'Kia', model: 'Niro', color: 'blue', plate: `${label}-${i}` },
        },
      },
      { as: 'operator' },
    );
    expect(errors).toBeUndefined();
    ids.push(data!.createDriver.id);
  }
  return ids;
}

/**
 * A ride with the driver that has finished, once the driver service knows it (RideCompleted
 * applied): a rating can then be given for it.
 */
async function finishedRide(federation: TestFederation, driverId: string): Promise<string> {
  const request = await graphqlRequest<{ requestRide: { id: string } }>(
    federation.gatewayUrl,
    'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
    { driverId },
    { as: 'operator' },
  );
  const rideId = request.data!.requestRide.id;
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
      timeout: 10_000,
    });
  } finally {
    await db.$disconnect();
  }
  return rideId;
}

const rate = (federation: TestFederation, driverId: string, rideId: string, stars: number) =>
  graphqlRequest<{ rateDriver: { rating: number } }>(
    federation.gatewayUrl,
    'mutation ($id: ID!, $rideId: ID!, $stars: Int!) { rateDriver(id: $id, rideId: $rideId, stars: $stars) { rating } }',
    { id: driverId, rideId, stars },
    { as: 'operator' },
  );

async function requestRides(gatewayUrl: string, drivers: string[]) {
  for (const driverId of drivers) {
    const { errors } = await graphqlRequest(
      gatewayUrl,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId },
      { as: 'operator' },
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
  driverIds = await createDrivers(cached.gatewayUrl, 3, 'Cached');
  rideDrivers = [driverIds[0]!, driverIds[1]!];
  // The first two drivers: one finished ride each, rated 4.
  for (const driverId of rideDrivers)
    expect((await rate(cached, driverId, await finishedRide(cached, driverId), 4)).errors).toBeUndefined();
  // Both ratings' DriverUpdated reached the gateway: nothing cached from now on is dropped by them.
  await vi.waitFor(
    async () =>
      expect(
        await readCounter(metricsOf(cached), 'entity_cache_invalidations_total', { type: 'Driver' }),
      ).toBe(2),
    { timeout: 10_000 },
  );
}, 120_000);
afterAll(() => cached?.stop());

const metricsOf = (federation: TestFederation) => federation.gatewayUrl.replace(/graphql$/, 'metrics');
const lookups = (result: 'hit' | 'miss') =>
  readCounter(metricsOf(cached), 'entity_cache_lookups_total', { type: 'Driver', result });

describe('entity cache in the gateway', () => {
  it('serves repeated reads from the cache, and only the misses reach the driver service, merged in order', async () => {
    const first = await graphqlRequest<{ rides: Ride[] }>(
      cached.gatewayUrl,
      ridesQuery,
      {},
      { as: 'operator' },
    );
    expect(first.errors).toBeUndefined();
    const [hitsBefore, missesBefore] = [await lookups('hit'), await lookups('miss')];
    const again = await graphqlRequest<{ rides: Ride[] }>(
      cached.gatewayUrl,
      ridesQuery,
      {},
      { as: 'operator' },
    );
    expect(again.data).toEqual(first.data);
    expect([(await lookups('hit')) - hitsBefore, (await lookups('miss')) - missesBefore]).toEqual([2, 0]);

    // A third driver's ride: two hits and one miss in one fetch, each ride still with its own driver.
    await requestRides(cached.gatewayUrl, [driverIds[2]!]);
    const [hits, misses] = [await lookups('hit'), await lookups('miss')];
    const mixed = await graphqlRequest<{ rides: Ride[] }>(
      cached.gatewayUrl,
      ridesQuery,
      {},
      { as: 'operator' },
    );
    expect([(await lookups('hit')) - hits, (await lookups('miss')) - misses]).toEqual([2, 1]);
    for (const ride of mixed.data!.rides)
      expect(ride.driver).toMatchObject({ id: ride.driverId, name: ride.driverName });
  });

  it('drops a cached driver when its DriverUpdated event is processed: the next read shows the new rating', async () => {
    const driverId = driverIds[0]!;
    const secondRide = await finishedRide(cached, driverId);
    const ratingOf = async () =>
      (
        await graphqlRequest<{ rides: Ride[] }>(cached.gatewayUrl, ridesQuery, {}, { as: 'operator' })
      ).data!.rides.find((r) => r.driverId === driverId)!.driver!.rating;
    expect(await ratingOf()).toBe(4);
    const invalidations = await readCounter(metricsOf(cached), 'entity_cache_invalidations_total', {
      type: 'Driver',
    });
    expect((await rate(cached, driverId, secondRide, 1)).errors).toBeUndefined();
    await vi.waitFor(
      async () =>
        expect(
          await readCounter(metricsOf(cached), 'entity_cache_invalidations_total', { type: 'Driver' }),
        ).toBe(invalidations + 1),
      { timeout: 5_000 },
    );
    expect(await ratingOf()).toBe(2.5);
  });

  it('never serves a mutation from the cache', async () => {
    const driverId = driverIds[1]!;
    await graphqlRequest(cached.gatewayUrl, ridesQuery, {}, { as: 'operator' }); // cached now
    // Change the owner behind the cache's back (no event): queries still see the cached entity...
    const db = openDriverDatabase(cached.subgraphs.driver.databaseUrl);
    await db.driver.update({ where: { id: driverId }, data: { ratingTotal: 5, ratingCount: 1 } });
    await db.$disconnect();
    const viaQuery = (
      await graphqlRequest<{ rides: Ride[] }>(cached.gatewayUrl, ridesQuery, {}, { as: 'operator' })
    ).data!.rides.find((r) => r.driverId === driverId);
    expect(viaQuery?.driver?.rating).toBe(4);
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
  await requestRides(federation.gatewayUrl, await createDrivers(federation.gatewayUrl, 4, driverNames));
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
    expect(down.length).toBeGreaterThan(10);
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
    const revived = createDriverServer({ databaseUrl: driver.databaseUrl, services: testServiceCalls() });
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

  it('answers within the time budget', async () => {
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
        // The budget is the subgraph's time limit; the margin absorbs a busy test machine.
        expect(answer.ms).toBeLessThan(budgetMs + 700);
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
