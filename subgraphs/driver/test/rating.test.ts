import { randomUUID } from 'node:crypto';
import {
  clearEventBus,
  deliveryOptions,
  type EventEnvelope,
  eventBus,
  queueName,
  signEvent,
} from '@msd/events';
import { graphqlRequest, type RequestOptions, startTestSubgraph, type TestSubgraph } from '@msd/testing';
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DriverDatabase, openDriverDatabase } from '../src/data/database.ts';
import { createDriverServer } from '../src/server.ts';

const bus = eventBus({ prefix: `test-${randomUUID()}` });
const rideCompleted = new Queue(queueName('RideCompleted', 'driver'), {
  connection: bus.connection,
  prefix: bus.prefix,
});

let driver: TestSubgraph;
let db: DriverDatabase;
beforeAll(async () => {
  driver = await startTestSubgraph('driver', (o) => createDriverServer({ ...o, events: bus }));
  db = openDriverDatabase(driver.databaseUrl);
});
afterAll(async () => {
  await db?.$disconnect();
  await driver?.stop();
  await rideCompleted.close();
  await clearEventBus(bus);
});

/** Signed with the ride service's key, as its relay signs what it publishes. */
const signed = (event: EventEnvelope<'RideCompleted'>) => ({
  ...event,
  signature: signEvent(event as EventEnvelope, bus.keys.ride ?? ''),
});

const call = <T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  as: RequestOptions,
) => graphqlRequest<T>(driver.url, query, variables, { asService: 'driver', ...as });
const codes = (response: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  response.errors?.map((error) => error.extensions?.code);

const newDriver = async () => {
  const { data } = await call<{ createDriver: { id: string } }>(
    'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
    {
      input: {
        name: 'Rita',
        car: { make: 'Kia', model: 'Niro', color: 'red', plate: randomUUID().slice(0, 8) },
      },
    },
    { as: 'operator' },
  );
  return data!.createDriver.id;
};

/** The ride service's RideCompleted, delivered as its relay would, and applied. */
const rideFinished = async (riderId: string, driverId: string) => {
  const rideId = randomUUID();
  const event: EventEnvelope<'RideCompleted'> = {
    id: rideId,
    type: 'RideCompleted',
    aggregateId: rideId,
    version: 2,
    occurredAt: new Date().toISOString(),
    payload: { rideId, riderId, driverId },
  };
  const job: Job = await rideCompleted.add('RideCompleted', signed(event), {
    ...deliveryOptions,
    removeOnComplete: false,
  });
  await vi.waitFor(async () => expect(await job.getState()).toBe('completed'), { timeout: 10_000 });
  return rideId;
};

const rate = (driverId: string, stars: number, as: RequestOptions, rideId?: string) =>
  call<{ rateDriver: { rating: number; ratingCount: number } }>(
    'mutation ($id: ID!, $stars: Int!, $rideId: ID) { rateDriver(id: $id, stars: $stars, rideId: $rideId) { rating ratingCount } }',
    { id: driverId, stars, rideId },
    as,
  );

/** What a refused rating must leave untouched: the driver's figures, its version, its outbox, the rides. */
const state = async (driverId: string) => ({
  driver: await db.driver.findUniqueOrThrow({
    where: { id: driverId },
    select: { ratingTotal: true, ratingCount: true, version: true },
  }),
  outbox: await db.outboxEvent.count({ where: { aggregateId: driverId } }),
  rated: await db.rateableRide.count({ where: { driverId, ratedAt: { not: null } } }),
});

describe('a rating belongs to one finished ride of the rider’s own, once', () => {
  it('takes a rider’s rating once per finished ride, and refuses the next one with nothing written', async () => {
    const driverId = await newDriver();
    const ana = { as: 'rider', subject: `ana-${randomUUID()}` } as const;
    const ben = { as: 'rider', subject: `ben-${randomUUID()}` } as const;
    const before = await state(driverId);
    // No finished ride yet (requesting one is not riding): refused.
    expect(codes(await rate(driverId, 5, ana))).toEqual(['FORBIDDEN']);
    expect(await state(driverId)).toEqual(before);

    const rideId = await rideFinished(ana.subject, driverId);
    expect(codes(await rate(driverId, 5, ben))).toEqual(['FORBIDDEN']); // someone else's ride
    expect(codes(await rate(driverId, 5, ben, rideId))).toEqual(['FORBIDDEN']);
    expect(await state(driverId)).toEqual(before);

    const rated = await rate(driverId, 4, ana);
    expect(rated.errors).toBeUndefined();
    expect(rated.data!.rateDriver).toEqual({ rating: 4, ratingCount: 1 });
    const after = await state(driverId);
    expect(after).toEqual({
      driver: { ratingTotal: 4, ratingCount: 1, version: before.driver.version + 1 },
      outbox: before.outbox + 1,
      rated: 1,
    });
    expect(await db.rateableRide.findUniqueOrThrow({ where: { rideId } })).toMatchObject({ stars: 4 });

    // The same ride again, with or without its id: refused, nothing written.
    expect(codes(await rate(driverId, 5, ana))).toEqual(['FORBIDDEN']);
    expect(codes(await rate(driverId, 5, ana, rideId))).toEqual(['FORBIDDEN']);
    expect(await state(driverId)).toEqual(after);
  });

  it('takes as many ratings as finished rides when they race, never more', async () => {
    const driverId = await newDriver();
    const rider = { as: 'rider', subject: `cleo-${randomUUID()}` } as const;
    await rideFinished(rider.subject, driverId);
    await rideFinished(rider.subject, driverId);
    const results = await Promise.all(Array.from({ length: 6 }, () => rate(driverId, 5, rider)));
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(2);
    expect(results.flatMap((r) => codes(r) ?? [])).toEqual(Array(4).fill('FORBIDDEN'));
    expect((await state(driverId)).driver).toMatchObject({ ratingTotal: 10, ratingCount: 2 });
  });

  it('applies a redelivered RideCompleted once', async () => {
    const driverId = await newDriver();
    const rider = `dan-${randomUUID()}`;
    const rideId = await rideFinished(rider, driverId);
    const again: EventEnvelope<'RideCompleted'> = {
      id: rideId,
      type: 'RideCompleted',
      aggregateId: rideId,
      version: 2,
      occurredAt: new Date().toISOString(),
      payload: { rideId, riderId: rider, driverId },
    };
    const job = await rideCompleted.add('RideCompleted', signed(again), {
      ...deliveryOptions,
      removeOnComplete: false,
    });
    await vi.waitFor(async () => expect(await job.getState()).toBe('completed'), { timeout: 10_000 });
    expect(await db.rateableRide.count({ where: { driverId } })).toBe(1);
  });

  it('lets an operator rate for a rider, one finished ride each, and checks input before anything', async () => {
    const driverId = await newDriver();
    const operator = { as: 'operator' } as const;
    expect(codes(await rate(driverId, 3, operator))).toEqual(['FORBIDDEN']);
    const rideId = await rideFinished(`eve-${randomUUID()}`, driverId);
    expect(codes(await rate(driverId, 9, operator, rideId))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await rate(driverId, 3, operator, 'not-a-ride'))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await rate(randomUUID(), 3, operator, rideId))).toEqual(['NOT_FOUND']);
    expect((await rate(driverId, 3, operator, rideId)).data!.rateDriver).toEqual({
      rating: 3,
      ratingCount: 1,
    });
    expect(codes(await rate(driverId, 3, operator, rideId))).toEqual(['FORBIDDEN']);
  });
});
