import {
  type CopyReplication,
  createCopyReplication,
  type EventBusOptions,
  sharedTableWork,
} from '@msd/events';
import { type BackgroundProcess, createLogger, type EventTimings } from '@msd/service-kit';
import type { RideDatabase } from '../data/database.ts';
import { driverNameCopy } from '../data/driverNameCopy.ts';
import type { DriverDirectory } from '../driverDirectory.ts';

export interface RideEvents {
  background: BackgroundProcess[];
  driverName: CopyReplication;
}

/**
 * The ride service publishes RideCompleted (outbox) and keeps `driverName` fresh from DriverUpdated
 * and reconciliation.
 */
export function rideEvents(options: {
  db: RideDatabase;
  databaseUrl: string;
  bus: EventBusOptions;
  driverDirectory: DriverDirectory;
  timings: EventTimings;
}): RideEvents {
  const { timings } = options;
  const logger = createLogger('ride');
  const driverName = createCopyReplication({
    copy: 'ride.driverName',
    event: 'DriverUpdated',
    subscriber: 'ride',
    field: driverNameCopy,
    db: options.db,
    bus: options.bus,
    logger,
    valueOf: (event) => event.payload.name,
    fetchOwner: (ids) => options.driverDirectory.currentDrivers(ids),
    ownerValue: (driver) => driver.name,
    reconcileIntervalMs: timings.reconcileIntervalMs,
  });
  return {
    background: [
      ...sharedTableWork({ service: 'ride', ...options, logger }),
      driverName.consumer,
      driverName.reconciler,
    ],
    driverName,
  };
}
