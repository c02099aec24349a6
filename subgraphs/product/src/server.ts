import type { RenameParticipantOptions } from '@msd/coordination';
import { databaseLifecycle, databaseUrl } from '@msd/database';
import type { EventBusOptions } from '@msd/events';
import { createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openProductDatabase } from './data/database.ts';
import { productEvents } from './events/index.ts';
import { productRenameParticipant } from './renameParticipant.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface ProductServerOptions {
  databaseUrl?: string;
  events?: EventBusOptions;
  /** Its part in the coordinator's STRONG renames: fault injection, the coordinator's URL. */
  rename?: RenameParticipantOptions;
}

/**
 * Builds the product subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus; the
 * resolver of in-doubt renames always does.
 */
export function createProductServer(options: ProductServerOptions = {}) {
  const url = options.databaseUrl ?? databaseUrl('product');
  const db = openProductDatabase(url);
  const participant = productRenameParticipant(db, options.rename ?? {});
  return createSubgraphServer({
    name: 'product',
    typeDefs,
    resolvers: { ...resolvers, Mutation: { ...(resolvers.Mutation as object), ...participant.mutations } },
    context: ({ consistency }) => createContext(db, consistency),
    ...databaseLifecycle(db),
    background: [
      ...(options.events ? productEvents({ databaseUrl: url, bus: options.events }) : []),
      participant.inDoubtResolver,
      participant.retention,
    ],
  });
}
