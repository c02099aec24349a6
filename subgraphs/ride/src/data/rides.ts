import { appendToOutbox } from '@msd/events';
import type { PageArgs } from '@msd/service-kit';
import type { RideDatabase } from './database.ts';
import { driverNameCopy } from './driverNameCopy.ts';
import type { Ride } from './generated/client.ts';

export type RideRecord = Ride;

export interface NewRide {
  riderId: string;
  driverId: string;
  driverName: string;
  /** The driver version the copied name was read at. */
  driverVersion: number;
  pickup: string;
  dropoff: string;
}

// One statement text for any number of ids (`= ANY($1)`, not a fresh `IN ($1..$n)` per batch size),
// so PostgreSQL can keep its plan, and only the columns the API reads.
export function findRidesByIds(db: RideDatabase, ids: readonly string[]): Promise<RideRecord[]> {
  return db.$queryRaw`
    SELECT id, rider_id AS "riderId", pickup, dropoff, status::text AS status, driver_id AS "driverId",
           driver_name AS "driverName", driver_version AS "driverVersion", requested_at AS "requestedAt",
           version, completed_at AS "completedAt"
    FROM rides WHERE id = ANY(${[...ids]}::uuid[])`;
}

/** A page of rides: every rider's, or only `riderId`'s. */
export function listRides(db: RideDatabase, page: PageArgs, riderId?: string): Promise<RideRecord[]> {
  return db.ride.findMany({
    where: {
      ...(page.afterId ? { id: { gt: page.afterId } } : {}),
      ...(riderId === undefined ? {} : { riderId }),
    },
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

/**
 * Finishes a REQUESTED or ACCEPTED ride and announces RideCompleted in the same transaction
 * (outbox; the event's id is the ride's, a fact that happens once). `null` when there is no such
 * ride; the ride unchanged when it had already finished or was cancelled.
 */
export function completeRide(
  db: RideDatabase,
  id: string,
): Promise<{ ride: RideRecord; completed: boolean } | null> {
  return db.$transaction(async (tx) => {
    const [ride] = await tx.ride.updateManyAndReturn({
      where: { id, status: { in: ['REQUESTED', 'ACCEPTED'] } },
      data: { status: 'COMPLETED', completedAt: new Date(), version: { increment: 1 } },
    });
    if (!ride) {
      const existing = await tx.ride.findUnique({ where: { id } });
      return existing ? { ride: existing, completed: false } : null;
    }
    await appendToOutbox(tx, {
      id: ride.id,
      type: 'RideCompleted',
      aggregateId: ride.id,
      version: ride.version,
      payload: { rideId: ride.id, riderId: ride.riderId, driverId: ride.driverId },
    });
    return { ride, completed: true };
  });
}

/**
 * Inserts a ride with the newer of the driver API's name and the newest a DriverUpdated recorded
 * meanwhile (`driverNameCopy.newestForInsert`, same transaction): an update applied between the
 * API read and the insert is never lost.
 */
export function insertRide(db: RideDatabase, ride: NewRide): Promise<RideRecord> {
  return db.$transaction(async (tx) => {
    const newest = await driverNameCopy.newestForInsert(tx, [
      { id: ride.driverId, value: ride.driverName, version: ride.driverVersion },
    ]);
    const source = newest.get(ride.driverId);
    return tx.ride.create({
      data: source ? { ...ride, driverName: source.value, driverVersion: source.version } : ride,
    });
  });
}
