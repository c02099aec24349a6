import { databaseLifecycle, databaseUrl } from '@msd/database';
import { type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openShippingDatabase } from './data/database.ts';
import { shippingEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/**
 * Builds the shipping subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus.
 */
export function createShippingServer(options: { databaseUrl?: string; events?: EventBusOptions } = {}) {
  const url = options.databaseUrl ?? databaseUrl('shipping');
  const db = openShippingDatabase(url);
  return createSubgraphServer({
    name: 'shipping',
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller }) => createContext(db, caller),
    ...databaseLifecycle(db),
    background: options.events ? shippingEvents({ databaseUrl: url, bus: options.events, db }) : [],
  });
}
