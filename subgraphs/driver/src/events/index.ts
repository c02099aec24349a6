import { createEventConsumer, type EventBusOptions, sharedTableWork } from '@msd/events';
import { createLogger, type EventTimings } from '@msd/service-kit';
import type { DriverDatabase } from '../data/database.ts';
import { recordRateableRide } from '../data/rateableRides.ts';

/**
 * The driver service publishes DriverUpdated (through its outbox) and records each RideCompleted
 * as a ride its rider may rate.
 */
export function driverEvents(options: {
  db: DriverDatabase;
  databaseUrl: string;
  bus: EventBusOptions;
  timings: EventTimings;
}) {
  const { db, bus } = options;
  const logger = createLogger('driver');
  return [
    ...sharedTableWork({ service: 'driver', ...options, logger }),
    createEventConsumer({
      event: 'RideCompleted',
      subscriber: 'driver',
      bus,
      logger,
      db,
      apply: (event, tx) => recordRateableRide(tx, event),
    }),
  ];
}
