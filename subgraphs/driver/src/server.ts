import { databaseLifecycle, databaseUrl } from '@msd/database';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openDriverDatabase } from './data/database.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/** Builds the driver subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createDriverServer(options: { databaseUrl?: string } = {}) {
  const db = openDriverDatabase(options.databaseUrl ?? databaseUrl('driver'));
  return createSubgraphServer({
    name: 'driver',
    typeDefs,
    resolvers,
    context: () => createContext(db),
    ...databaseLifecycle(db),
  });
}
