import {
  createEventConsumer,
  createOutboxRelay,
  createRetention,
  type EventBusOptions,
  retentionRules,
} from '@msd/events';
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
  const { db, bus, timings } = options;
  const logger = createLogger('driver');
  return [
    createOutboxRelay({
      service: 'driver',
      databaseUrl: options.databaseUrl,
      bus,
      logger,
      retentionMs: timings.outboxRetentionMs,
      maxRetentionMs: timings.outboxMaxRetentionMs,
    }),
    createEventConsumer({
      event: 'RideCompleted',
      subscriber: 'driver',
      bus,
      logger,
      db,
      apply: (event, tx) => recordRateableRide(tx, event),
    }),
    createRetention({
      db,
      logger,
      intervalMs: timings.retentionIntervalMs,
      rules: [{ ...retentionRules.inbox(), retentionMs: timings.inboxRetentionMs }],
    }),
  ];
}
