import { databaseLifecycle } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs, type ServiceOptions, timingsOf } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openDriverDatabase } from './data/database.ts';
import { driverEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';
import { createRideHistory } from './rideHistory.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/**
 * Builds the driver subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus. The ride
 * service (`services.urls.ride`) is asked before a rider's rating is taken.
 */
export function createDriverServer(options: ServiceOptions & { events?: EventBusOptions }) {
  const url = options.databaseUrl;
  const db = openDriverDatabase(url, { max: options.databasePoolMax });
  const rideHistory = createRideHistory(options.services);
  return createSubgraphServer({
    name: 'driver',
    serviceToken: options.services.token,
    typeDefs,
    resolvers,
    context: ({ caller }) => createContext(db, rideHistory, caller),
    ...databaseLifecycle(db),
    background: options.events
      ? driverEvents({ databaseUrl: url, bus: options.events, timings: timingsOf(options) })
      : [],
  });
}
