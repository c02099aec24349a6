import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openInventoryDatabase } from './data/database.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/** Builds the inventory subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createInventoryServer(options: { databaseUrl?: string; events?: EventBusOptions } = {}) {
  const db = openInventoryDatabase(options.databaseUrl ?? databaseUrl('inventory'));
  return createSubgraphServer({
    name: 'inventory',
    typeDefs,
    resolvers,
    context: () => createContext(db),
    ...databaseLifecycle(db),
  });
}
