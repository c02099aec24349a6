import { createOutboxRelay, type EventBusOptions } from '@msd/events';
import { createLogger } from '@msd/service-kit';

/** The product service publishes (through its outbox) and consumes nothing. */
export function productEvents(options: { databaseUrl: string; bus: EventBusOptions }) {
  return [
    createOutboxRelay({
      service: 'product',
      databaseUrl: options.databaseUrl,
      bus: options.bus,
      logger: createLogger('product'),
    }),
  ];
}
