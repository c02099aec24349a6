import { randomUUID } from 'node:crypto';
import { clearEventBus, type EventEnvelope, eventBus, queueName } from '@msd/events';
import { graphqlRequest, startTestSubgraph, type TestSubgraph, testServiceCalls } from '@msd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRideDatabase, type RideDatabase } from '../src/data/database.ts';
import { createRideServer } from '../src/server.ts';

const bus = eventBus({ prefix: `test-${randomUUID()}` });
// Where the driver service receives finished rides (nobody consumes it here, so the jobs stay).
const toDriver = new Queue(queueName('RideCompleted', 'driver'), {
  connection: bus.connection,
  prefix: bus.prefix,
});

let ride: TestSubgraph;
let db: RideDatabase;
beforeAll(async () => {
  // No driver service: completing a ride needs none, and nothing here requests one.
  ride = await startTestSubgraph('ride', (o) =>
    createRideServer({
      ...o,
      events: bus,
      services: testServiceCalls({ driver: 'http://127.0.0.1:9/graphql' }, 'ride'),
    }),
  );
  db = openRideDatabase(ride.databaseUrl);
});
afterAll(async () => {
  await db?.$disconnect();
  await ride?.stop();
  await toDriver.close();
  await clearEventBus(bus);
});

const complete = (id: string) =>
  graphqlRequest<{ completeRide: { id: string; status: string; completedAt: string | null } }>(
    ride.url,
    'mutation ($id: ID!) { completeRide(id: $id) { id status completedAt } }',
    { id },
    { asService: 'ride', as: 'operator' },
  );
const codes = (response: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  response.errors?.map((error) => error.extensions?.code);

const requested = (riderId: string, status: 'REQUESTED' | 'CANCELLED' = 'REQUESTED') =>
  db.ride.create({
    data: { riderId, driverId: randomUUID(), driverName: 'Rita', pickup: 'A', dropoff: 'B', status },
  });

const announced = async (rideId: string) =>
  (await toDriver.getJobs(['waiting', 'active', 'completed', 'delayed']))
    .map((job) => job.data as EventEnvelope<'RideCompleted'>)
    .filter((event) => event.aggregateId === rideId);

describe('ride: completeRide', () => {
  it('finishes a ride and announces RideCompleted to the driver service, once', async () => {
    const { id, riderId, driverId } = await requested(`ana-${randomUUID()}`);
    const done = await complete(id);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeRide).toMatchObject({
      id,
      status: 'COMPLETED',
      completedAt: expect.any(String),
    });
    const [event, ...more] = await vi.waitFor(
      async () => {
        const events = await announced(id);
        expect(events.length).toBeGreaterThan(0);
        return events;
      },
      { timeout: 10_000 },
    );
    expect(more).toEqual([]);
    expect(event).toMatchObject({ id, type: 'RideCompleted', aggregateId: id, version: 2 });
    expect(event!.payload).toEqual({ rideId: id, riderId, driverId });

    // Finishing it again is refused and writes nothing: no second event, no new version.
    expect(codes(await complete(id))).toEqual(['BAD_USER_INPUT']);
    expect(await db.outboxEvent.count({ where: { aggregateId: id } })).toBe(1);
    expect((await db.ride.findUniqueOrThrow({ where: { id } })).version).toBe(2);
  });

  it('refuses an unknown or cancelled ride with nothing written', async () => {
    const cancelled = await requested(`ben-${randomUUID()}`, 'CANCELLED');
    const outbox = await db.outboxEvent.count();
    expect(codes(await complete(randomUUID()))).toEqual(['NOT_FOUND']);
    expect(codes(await complete('not-a-ride'))).toEqual(['NOT_FOUND']);
    expect(codes(await complete(cancelled.id))).toEqual(['BAD_USER_INPUT']);
    expect(await db.outboxEvent.count()).toBe(outbox);
    expect((await db.ride.findUniqueOrThrow({ where: { id: cancelled.id } })).status).toBe('CANCELLED');
  });
});
