import { databaseLifecycle } from '@msd/database';
import { type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createSubgraphServer, loadTypeDefs, type ServiceOptions, timingsOf } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openShippingDatabase } from './data/database.ts';
import { shippingEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('shipping');

/**
 * Builds the shipping subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus.
 */
export function createShippingServer(options: ServiceOptions & { events?: EventBusOptions }) {
  const url = options.databaseUrl;
  const db = openShippingDatabase(url, { max: options.databasePoolMax });
  return createSubgraphServer({
    name: 'shipping',
    callers: options.services.callers,
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller }) => createContext(db, caller),
    ...databaseLifecycle(db),
    background: options.events
      ? shippingEvents({ databaseUrl: url, bus: options.events, db, timings: timingsOf(options) })
      : [],
  });
}
