import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openProductDatabase } from './data/database.ts';
import { productEvents } from './events/index.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

/**
 * Builds the product subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus.
 */
export function createProductServer(options: { databaseUrl?: string; events?: EventBusOptions } = {}) {
  const url = options.databaseUrl ?? databaseUrl('product');
  const db = openProductDatabase(url);
  return createSubgraphServer({
    name: 'product',
    typeDefs,
    resolvers,
    context: () => createContext(db),
    ...databaseLifecycle(db),
    background: options.events ? productEvents({ databaseUrl: url, bus: options.events }) : [],
  });
}
