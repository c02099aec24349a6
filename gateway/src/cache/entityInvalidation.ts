import { createEventConsumer, type EventBusOptions } from '@msd/events';
import type { Logger } from '@msd/service-kit';
import type { EntityCache } from './entityCache.ts';

/**
 * The gateway subscribes to the owners' update events and drops the cached entity for each, so a
 * cached entity is never served after its update event has been processed here. With the cache
 * off, the events are still taken off the queues (as `stale`), so they never pile up.
 */
export function entityInvalidation(cache: EntityCache | undefined, bus: EventBusOptions, logger: Logger) {
  return [
    createEventConsumer({
      event: 'ProductUpdated',
      subscriber: 'gateway',
      bus,
      logger,
      apply: async (event) => {
        if (!cache) return 'stale';
        await cache.invalidate('Product', event.aggregateId);
        return 'applied';
      },
    }),
    createEventConsumer({
      event: 'DriverUpdated',
      subscriber: 'gateway',
      bus,
      logger,
      apply: async (event) => {
        if (!cache) return 'stale';
        await cache.invalidate('Driver', event.aggregateId);
        return 'applied';
      },
    }),
  ];
}
