import { databaseLifecycle } from '@msd/database';
import { type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createSubgraphServer, loadTypeDefs, type ServiceOptions, timingsOf } from '@msd/service-kit';
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
export function createDriverServer(options: ServiceOptions & { events?: EventBusOptions }) {
  const url = options.databaseUrl;
  const db = openDriverDatabase(url, { max: options.databasePoolMax });
  return createSubgraphServer({
    name: 'driver',
    callers: options.services.callers,
    typeDefs,
    resolvers: [resolvers, parkedEventResolvers(options.events)],
    context: ({ caller, consistency }) => createContext(db, caller, consistency),
    ...databaseLifecycle(db),
    background: options.events
      ? driverEvents({ db, databaseUrl: url, bus: options.events, timings: timingsOf(options) })
      : [],
  });
}
