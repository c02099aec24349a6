import { databaseLifecycle, databaseUrl } from '@msd/database';
import { copyFreshness, type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createLogger, createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openRideDatabase } from './data/database.ts';
import { createDriverDirectory } from './driverDirectory.ts';
import { rideEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface RideServerOptions {
  databaseUrl?: string;
  /** The driver service's GraphQL endpoint (else `DRIVER_URL`). */
  driverUrl?: string;
  /** With an event bus, the DriverUpdated consumer and the reconciliation run beside the server. */
  events?: EventBusOptions;
  reconcileIntervalMs?: number;
  /** How long a read named by a consistency token waits for the driverName consumer (else 300 ms). */
  consistencyWaitMs?: number;
}

/** Builds the ride subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createRideServer(options: RideServerOptions = {}) {
  const url = options.databaseUrl ?? databaseUrl('ride');
  const db = openRideDatabase(url);
  const driverDirectory = createDriverDirectory(options.driverUrl);
  const events = options.events
    ? rideEvents({
        db,
        bus: options.events,
        driverDirectory,
        ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
      })
    : undefined;
  const freshness = events
    ? copyFreshness({ databaseUrl: url, db, logger: createLogger('ride') })
    : undefined;
  return createSubgraphServer({
    name: 'ride',
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller, consistency }) =>
      createContext(db, driverDirectory, events, caller, consistency, freshness),
    ...(options.consistencyWaitMs !== undefined ? { consistencyWaitMs: options.consistencyWaitMs } : {}),
    ...databaseLifecycle(db),
    background: [...(events?.background ?? []), ...(freshness ? [freshness] : [])],
  });
}
