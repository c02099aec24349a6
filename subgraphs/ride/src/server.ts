import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openRideDatabase } from './data/database.ts';
import { createDriverDirectory } from './driverDirectory.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/** Builds the ride subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createRideServer(options: { databaseUrl?: string; events?: EventBusOptions; driverUrl?: string } = {}) {
  const db = openRideDatabase(options.databaseUrl ?? databaseUrl('ride'));
  const driverDirectory = createDriverDirectory(options.driverUrl);
  return createSubgraphServer({
    name: 'ride',
    typeDefs,
    resolvers,
    context: () => createContext(db, driverDirectory),
    ...databaseLifecycle(db),
  });
}
