import { createOutboxRelay, type EventBusOptions } from '@msd/events';
import { createLogger, type EventTimings } from '@msd/service-kit';

/** The driver service publishes (through its outbox) and consumes nothing. */
export function driverEvents(options: { databaseUrl: string; bus: EventBusOptions; timings: EventTimings }) {
  return [
    createOutboxRelay({
      service: 'driver',
      databaseUrl: options.databaseUrl,
      bus: options.bus,
      logger: createLogger('driver'),
      retentionMs: options.timings.outboxRetentionMs,
      maxRetentionMs: options.timings.outboxMaxRetentionMs,
    }),
  ];
}
