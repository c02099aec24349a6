import type { RenameParticipantOptions } from '@msd/coordination';
import { databaseLifecycle } from '@msd/database';
import { copyFreshness, type EventBusOptions, parkedEventResolvers } from '@msd/events';
import {
  createLogger,
  createSubgraphServer,
  loadTypeDefs,
  type ServiceOptions,
  timingsOf,
} from '@msd/service-kit';
import { defaultReactionTimings } from './config.ts';
import { createContext } from './context.ts';
import { openOrderDatabase } from './data/database.ts';
import { orderEvents } from './events/index.ts';
import { createOrderReactionServices } from './orderReactionServices.ts';
import { placedOrdersMetric } from './placedOrdersMetric.ts';
import { createProductCatalog } from './productCatalog.ts';
import { orderRenameParticipant } from './renameParticipant.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('order');

export interface OrderServerOptions extends ServiceOptions {
  /** An order whose reactions are not complete after this long is driven on (`REACTION_DEADLINE_MS`). */
  reactionDeadlineMs?: number;
  /** How often overdue orders are looked for (`REACTION_REPAIR_INTERVAL_MS`). */
  reactionRepairIntervalMs?: number;
  /** With an event bus, the relay, the consumers and the reconciliation run beside the server. */
  events?: EventBusOptions;
  /** Its part in the coordinator's STRONG renames: fault injection, timings. */
  rename?: Omit<RenameParticipantOptions, 'calls'>;
}

/**
 * Builds the order subgraph without listening: `index.ts` listens, tests pick their own port and
 * database. It reads product (`services.urls.product`) when an order is placed, and inventory and
 * shipping in the reactions' anti-entropy.
 */
export function createOrderServer(options: OrderServerOptions) {
  const url = options.databaseUrl;
  const db = openOrderDatabase(url, { max: options.databasePoolMax });
  const productCatalog = createProductCatalog(options.services);
  const events = options.events
    ? orderEvents({
        db,
        databaseUrl: url,
        bus: options.events,
        productCatalog,
        reactionServices: createOrderReactionServices(options.services),
        timings: timingsOf(options),
        reactionDeadlineMs: options.reactionDeadlineMs ?? defaultReactionTimings.reactionDeadlineMs,
        reactionRepairIntervalMs:
          options.reactionRepairIntervalMs ?? defaultReactionTimings.reactionRepairIntervalMs,
      })
    : undefined;
  const freshness = events
    ? copyFreshness({ databaseUrl: url, db, logger: createLogger('order') })
    : undefined;
  const participant = orderRenameParticipant(db, { ...options.rename, calls: options.services });
  return createSubgraphServer({
    name: 'order',
    callers: options.services.callers,
    typeDefs,
    resolvers: [resolvers, { Mutation: participant.mutations }, parkedEventResolvers(options.events)],
    context: ({ caller, consistency }) =>
      createContext(db, productCatalog, events, caller, consistency, freshness),
    consistencyReads: options.consistencyReads,
    ...databaseLifecycle(db),
    background: [
      ...(events?.background ?? []),
      ...(freshness ? [freshness] : []),
      participant.inDoubtResolver,
      participant.retention,
      placedOrdersMetric(db),
    ],
  });
}
export { orderVariables } from './config.ts';
