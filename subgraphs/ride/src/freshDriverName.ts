import type { GraphQLResolveInfo } from '@msd/service-kit';
import type { RideContext } from './context.ts';
import { driverNameCopy } from './data/driverNameCopy.ts';
import type { RideRecord } from './data/rides.ts';

/**
 * `Ride.driverName` as the caller's consistency token requires: the copy when it reflects the
 * driver version the caller wrote, else the copy once the DriverUpdated consumer applied it, else
 * the driver service's name (the call requesting a ride makes), else the copy marked stale.
 */
export function freshDriverName(
  ride: RideRecord,
  _: unknown,
  { consistency, freshness, driverDirectory }: RideContext,
  info: GraphQLResolveInfo,
): Promise<string> | string {
  const key = `driver:${ride.driverId}`;
  if (!consistency.required.has(key)) return ride.driverName;
  return consistency.read({
    key,
    copy: { value: ride.driverName, version: ride.driverVersion },
    path: info.path,
    awaitCopy: async (version, timeoutMs) =>
      freshness?.awaitVersion(driverNameCopy, ride.driverId, version, timeoutMs),
    readOwner: async () => {
      const driver = (await driverDirectory.currentDrivers([ride.driverId])).get(ride.driverId);
      return driver && { value: driver.name, version: driver.version };
    },
  });
}
