import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openOrderDatabase } from './data/database.ts';
import { createProductCatalog } from './productCatalog.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/** Builds the order subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createOrderServer(options: { databaseUrl?: string; events?: EventBusOptions; productUrl?: string } = {}) {
  const db = openOrderDatabase(options.databaseUrl ?? databaseUrl('order'));
  const productCatalog = createProductCatalog(options.productUrl);
  return createSubgraphServer({
    name: 'order',
    typeDefs,
    resolvers,
    context: () => createContext(db, productCatalog),
    ...databaseLifecycle(db),
  });
}
