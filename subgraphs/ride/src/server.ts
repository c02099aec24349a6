import { databaseLifecycle, databaseUrl } from '@msd/database';
import { type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openRideDatabase } from './data/database.ts';
import { createDriverDirectory } from './driverDirectory.ts';
import { rideEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('ride');

export interface RideServerOptions {
  databaseUrl?: string;
  /** The driver service's GraphQL endpoint (else `DRIVER_URL`). */
  driverUrl?: string;
  /** With an event bus, the outbox relay, the DriverUpdated consumer and the reconciliation run beside the server. */
  events?: EventBusOptions;
  reconcileIntervalMs?: number;
}

/** Builds the ride subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createRideServer(options: RideServerOptions = {}) {
  const url = options.databaseUrl ?? databaseUrl('ride');
  const db = openRideDatabase(url);
  const driverDirectory = createDriverDirectory(options.driverUrl);
  const events = options.events
    ? rideEvents({
        db,
        databaseUrl: url,
        bus: options.events,
        driverDirectory,
        ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
      })
    : undefined;
  return createSubgraphServer({
    name: 'ride',
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller }) => createContext(db, driverDirectory, events, caller),
    ...databaseLifecycle(db),
    background: events?.background ?? [],
  });
}
