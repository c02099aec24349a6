import {
  createEventConsumer,
  type EventBusOptions,
  type EventEnvelope,
  type EventType,
  entityUpdates,
  streamedToGateway,
} from '@msd/events';
import { gateway, isServiceName, serviceEntry } from '@msd/registry';
import type { Logger } from '@msd/service-kit';
import type { EntityCache, EntityCacheConfig } from './entityCache.ts';

/** The events that drop a cached entity of `type` kept from `owner`: the ones `owner` publishes about it. */
export function invalidatingEvents(type: string, owner: string): EventType[] {
  if (!isServiceName(owner)) return [];
  return (serviceEntry(owner).publishes as EventType[]).filter((event) => entityUpdates[event] === type);
}

/**
 * A consumer for every event the registry's gateway takes from a queue (those that update a
 * cacheable type; the others reach it on its stream, `streamedToGateway`): each drops the cached
 * entity its event updates, so a cached entity is never served after its update event has been
 * processed here. An event about a type not cached (or the cache off) is taken off its queue as
 * `stale`, so the queues never pile up. Refuses to start when a cached type's update event does
 * not reach the gateway (a registry out of step), and warns of a cached type its owner announces no
 * update of (the default types all have one: stack/test/registry.test.ts). With `forward`, every
 * event is also handed on (to the replicas' subscriptions) after its cache entry is dropped, so a
 * payload resolved for it never comes from the entry it replaces.
 */
export function entityInvalidation(options: {
  cache: EntityCache | undefined;
  types: EntityCacheConfig['types'] | undefined;
  bus: EventBusOptions;
  logger: Logger;
  forward?: (event: EventEnvelope) => Promise<void>;
}) {
  const consumed = gateway.consumes as readonly EventType[];
  for (const [type, { subgraph }] of Object.entries(options.types ?? {})) {
    const events = invalidatingEvents(type, subgraph);
    const missing = events.filter((event) => !consumed.includes(event));
    if (missing.length > 0)
      throw new Error(
        `The entity cache keeps ${type} from "${subgraph}", whose ${missing.join(', ')} the registry's gateway does not consume: its entries would never be dropped`,
      );
    if (events.length === 0)
      options.logger.warn('a cached type has no update event: its entries change only when they expire', {
        type,
        subgraph,
      });
  }
  return consumed
    .filter((event) => !streamedToGateway.has(event))
    .map((event) =>
      createEventConsumer({
        event,
        subscriber: 'gateway',
        bus: options.bus,
        logger: options.logger,
        apply: async (received) => {
          const type = entityUpdates[event];
          const cached = options.cache && type !== undefined && options.types?.[type];
          if (cached) await options.cache?.invalidate(type, received.aggregateId);
          if (options.forward) await options.forward(received);
          return cached || options.forward ? 'applied' : 'stale';
        },
      }),
    );
}
