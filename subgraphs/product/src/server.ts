import type { RenameParticipantOptions } from '@msd/coordination';
import { databaseLifecycle } from '@msd/database';
import { type EventBusOptions, sharedTableWork } from '@msd/events';
import {
  createLogger,
  createSubgraphServer,
  loadTypeDefs,
  type ServiceOptions,
  timingsOf,
} from '@msd/service-kit';
import { createContext } from './context.ts';
import { openProductDatabase } from './data/database.ts';
import { productRenameParticipant } from './renameParticipant.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('product');

export interface ProductServerOptions extends ServiceOptions {
  events?: EventBusOptions;
  /** Its part in the coordinator's STRONG renames: fault injection, timings. */
  rename?: Omit<RenameParticipantOptions, 'calls'>;
}

/**
 * Builds the product subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. With `events`, its event work (relay, consumers) runs beside it on that bus; the
 * resolver of in-doubt renames always does.
 */
export function createProductServer(options: ProductServerOptions) {
  const url = options.databaseUrl;
  const db = openProductDatabase(url, { max: options.databasePoolMax });
  const participant = productRenameParticipant(db, { ...options.rename, calls: options.services });
  return createSubgraphServer({
    name: 'product',
    callers: options.services.callers,
    typeDefs,
    resolvers: { ...resolvers, Mutation: { ...(resolvers.Mutation as object), ...participant.mutations } },
    context: ({ consistency }) => createContext(db, consistency),
    ...databaseLifecycle(db),
    background: [
      // It publishes (through its outbox) and consumes nothing.
      ...(options.events
        ? sharedTableWork({
            service: 'product',
            db,
            databaseUrl: url,
            bus: options.events,
            timings: timingsOf(options),
            logger: createLogger('product'),
          })
        : []),
      participant.inDoubtResolver,
      participant.retention,
    ],
  });
}
