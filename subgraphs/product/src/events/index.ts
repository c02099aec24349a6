import { createOutboxRelay, type EventBusOptions } from '@msd/events';
import { createLogger, type EventTimings } from '@msd/service-kit';

/** The product service publishes (through its outbox) and consumes nothing. */
export function productEvents(options: { databaseUrl: string; bus: EventBusOptions; timings: EventTimings }) {
  return [
    createOutboxRelay({
      service: 'product',
      databaseUrl: options.databaseUrl,
      bus: options.bus,
      logger: createLogger('product'),
      retentionMs: options.timings.outboxRetentionMs,
      maxRetentionMs: options.timings.outboxMaxRetentionMs,
    }),
  ];
}
