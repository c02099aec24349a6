import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openDriverDatabase } from './data/database.ts';
import { driverEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';
import { createRideHistory } from './rideHistory.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/**
 * Builds the driver subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus.
 */
export function createDriverServer(
  options: {
    databaseUrl?: string;
    events?: EventBusOptions;
    /** The ride service's GraphQL endpoint (else `RIDE_URL`), asked before a rider's rating is taken. */
    rideUrl?: string;
  } = {},
) {
  const url = options.databaseUrl ?? databaseUrl('driver');
  const db = openDriverDatabase(url);
  const rideHistory = createRideHistory(options.rideUrl);
  return createSubgraphServer({
    name: 'driver',
    typeDefs,
    resolvers,
    context: ({ caller, consistency }) => createContext(db, rideHistory, caller, consistency),
    ...databaseLifecycle(db),
    background: options.events ? driverEvents({ databaseUrl: url, bus: options.events }) : [],
  });
}
