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
import { openRideDatabase } from './data/database.ts';
import { createDriverDirectory } from './driverDirectory.ts';
import { rideEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('ride');

export interface RideServerOptions extends ServiceOptions {
  /** With an event bus, the outbox relay, the DriverUpdated consumer and the reconciliation run beside the server. */
  events?: EventBusOptions;
}

/**
 * Builds the ride subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. The driver service (`services.urls.driver`) is read for driver details.
 */
export function createRideServer(options: RideServerOptions) {
  const url = options.databaseUrl;
  const db = openRideDatabase(url, { max: options.databasePoolMax });
  const driverDirectory = createDriverDirectory(options.services);
  const events = options.events
    ? rideEvents({
        db,
        databaseUrl: options.databaseUrl,
        bus: options.events,
        driverDirectory,
        timings: timingsOf(options),
      })
    : undefined;
  const freshness = events
    ? copyFreshness({ databaseUrl: url, db, logger: createLogger('ride') })
    : undefined;
  return createSubgraphServer({
    name: 'ride',
    callers: options.services.callers,
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller, consistency }) =>
      createContext(db, driverDirectory, events, caller, consistency, freshness),
    consistencyReads: options.consistencyReads,
    ...databaseLifecycle(db),
    background: [...(events?.background ?? []), ...(freshness ? [freshness] : [])],
  });
}
