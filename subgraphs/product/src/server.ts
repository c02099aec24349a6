import { databaseLifecycle, databaseUrl } from '@msd/database';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openProductDatabase } from './data/database.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/** Builds the product subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createProductServer(options: { databaseUrl?: string } = {}) {
  const db = openProductDatabase(options.databaseUrl ?? databaseUrl('product'));
  return createSubgraphServer({
    name: 'product',
    typeDefs,
    resolvers,
    context: () => createContext(db),
    ...databaseLifecycle(db),
  });
}
