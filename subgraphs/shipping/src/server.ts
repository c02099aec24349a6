import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openShippingDatabase } from './data/database.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/** Builds the shipping subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createShippingServer(options: { databaseUrl?: string; events?: EventBusOptions } = {}) {
  const db = openShippingDatabase(options.databaseUrl ?? databaseUrl('shipping'));
  return createSubgraphServer({
    name: 'shipping',
    typeDefs,
    resolvers,
    context: () => createContext(db),
    ...databaseLifecycle(db),
  });
}
