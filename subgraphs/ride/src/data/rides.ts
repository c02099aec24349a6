import type { PageArgs } from '@msd/service-kit';
import type { RideDatabase } from './database.ts';
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

export function findRidesByIds(db: RideDatabase, ids: readonly string[]): Promise<RideRecord[]> {
  return db.ride.findMany({ where: { id: { in: [...ids] } } });
}

export function listRides(db: RideDatabase, page: PageArgs): Promise<RideRecord[]> {
  return db.ride.findMany({
    where: page.afterId ? { id: { gt: page.afterId } } : {},
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

export function insertRide(db: RideDatabase, ride: NewRide): Promise<RideRecord> {
  return db.ride.create({ data: ride });
}
