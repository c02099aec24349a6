import { databaseLifecycle, databaseUrl } from '@msd/database';
import { type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openDriverDatabase } from './data/database.ts';
import { driverEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('driver');

/**
 * Builds the driver subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumer) runs beside it on that bus. It calls
 * no other service.
 */
export function createDriverServer(options: { databaseUrl?: string; events?: EventBusOptions } = {}) {
  const url = options.databaseUrl ?? databaseUrl('driver');
  const db = openDriverDatabase(url);
  return createSubgraphServer({
    name: 'driver',
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller }) => createContext(db, caller),
    ...databaseLifecycle(db),
    background: options.events ? driverEvents({ db, databaseUrl: url, bus: options.events }) : [],
  });
}
