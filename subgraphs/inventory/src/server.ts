import { databaseLifecycle } from '@msd/database';
import { copyFreshness, type EventBusOptions, parkedEventResolvers } from '@msd/events';
import {
  createLogger,
  createSubgraphServer,
  loadTypeDefs,
  type ServiceOptions,
  timingsOf,
} from '@msd/service-kit';
import { createContext } from './context.ts';
import { openInventoryDatabase } from './data/database.ts';
import { inventoryEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('inventory');

/**
 * Builds the inventory subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus.
 */
export function createInventoryServer(options: ServiceOptions & { events?: EventBusOptions }) {
  const url = options.databaseUrl;
  const db = openInventoryDatabase(url, { max: options.databasePoolMax });
  const freshness = options.events
    ? copyFreshness({ databaseUrl: url, db, logger: createLogger('inventory') })
    : undefined;
  return createSubgraphServer({
    name: 'inventory',
    callers: options.services.callers,
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ consistency }) => createContext(db, consistency, freshness),
    consistencyReads: options.consistencyReads,
    ...databaseLifecycle(db),
    background: options.events
      ? [
          ...inventoryEvents({ databaseUrl: url, bus: options.events, db, timings: timingsOf(options) }),
          ...(freshness ? [freshness] : []),
        ]
      : [],
  });
}
