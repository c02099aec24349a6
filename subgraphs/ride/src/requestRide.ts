import { badUserInput, isUuid, requireText } from '@msd/service-kit';
import type { RideDatabase } from './data/database.ts';
import { insertRide, type RideRecord } from './data/rides.ts';
import type { DriverDirectory } from './driverDirectory.ts';

export interface RequestRideInput {
  riderId: string;
  driverId: string;
  pickup: string;
  dropoff: string;
}

/** Stores the driver's current name with the ride (a copy), read from the driver service's API. */
export async function requestRide(
  db: RideDatabase,
  drivers: DriverDirectory,
  input: RequestRideInput,
): Promise<RideRecord> {
  const riderId = requireText(input.riderId, 'riderId', 100);
  const pickup = requireText(input.pickup, 'pickup');
  const dropoff = requireText(input.dropoff, 'dropoff');
  const driver = isUuid(input.driverId)
    ? (await drivers.currentDrivers([input.driverId])).get(input.driverId)
    : undefined;
  if (!driver) throw badUserInput(`Unknown driver id: ${input.driverId}`, { field: 'driverId' });
  return insertRide(db, {
    riderId,
    driverId: driver.id,
    driverName: driver.name,
    driverVersion: driver.version,
    pickup,
    dropoff,
  });
}
