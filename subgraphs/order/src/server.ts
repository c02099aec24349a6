import type { RenameParticipantOptions } from '@msd/coordination';
import { databaseLifecycle, databaseUrl } from '@msd/database';
import { copyFreshness, type EventBusOptions, parkedEventResolvers } from '@msd/events';
import { createLogger, createSubgraphServer, loadTypeDefs } from '@msd/service-kit';
import { createContext } from './context.ts';
import { openOrderDatabase } from './data/database.ts';
import { orderEvents } from './events/index.ts';
import { createOrderReactionServices } from './orderReactionServices.ts';
import { placedOrdersMetric } from './placedOrdersMetric.ts';
import { createProductCatalog } from './productCatalog.ts';
import { orderRenameParticipant } from './renameParticipant.ts';
import { resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface OrderServerOptions {
  databaseUrl?: string;
  /** The product service's GraphQL endpoint (else `PRODUCT_URL`). */
  productUrl?: string;
  /** Inventory's and shipping's endpoints, asked by the reactions' anti-entropy (else `INVENTORY_URL`, `SHIPPING_URL`). */
  inventoryUrl?: string;
  shippingUrl?: string;
  reactionDeadlineMs?: number;
  reactionRepairIntervalMs?: number;
  /** With an event bus, the relay, the consumers and the reconciliation run beside the server. */
  events?: EventBusOptions;
  reconcileIntervalMs?: number;
  /** Its part in the coordinator's STRONG renames: fault injection, the coordinator's URL. */
  rename?: RenameParticipantOptions;
  /** How long a read named by a consistency token waits for the productName consumer (else 300 ms). */
  consistencyWaitMs?: number;
}

/** Builds the order subgraph without listening: `index.ts` listens, tests pick their own port and database. */
export function createOrderServer(options: OrderServerOptions = {}) {
  const url = options.databaseUrl ?? databaseUrl('order');
  const db = openOrderDatabase(url);
  const productCatalog = createProductCatalog(options.productUrl);
  const events = options.events
    ? orderEvents({
        db,
        databaseUrl: url,
        bus: options.events,
        productCatalog,
        reactionServices: createOrderReactionServices({
          ...(options.inventoryUrl ? { inventoryUrl: options.inventoryUrl } : {}),
          ...(options.shippingUrl ? { shippingUrl: options.shippingUrl } : {}),
        }),
        ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
        ...(options.reactionDeadlineMs ? { reactionDeadlineMs: options.reactionDeadlineMs } : {}),
        ...(options.reactionRepairIntervalMs
          ? { reactionRepairIntervalMs: options.reactionRepairIntervalMs }
          : {}),
      })
    : undefined;
  const freshness = events
    ? copyFreshness({ databaseUrl: url, db, logger: createLogger('order') })
    : undefined;
  const participant = orderRenameParticipant(db, options.rename ?? {});
  return createSubgraphServer({
    name: 'order',
    typeDefs,
    resolvers: [resolvers, { Mutation: participant.mutations }, parkedEventResolvers(options.events)],
    context: ({ caller, consistency }) =>
      createContext(db, productCatalog, events, caller, consistency, freshness),
    ...(options.consistencyWaitMs !== undefined ? { consistencyWaitMs: options.consistencyWaitMs } : {}),
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
