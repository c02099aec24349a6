import { plainSql } from '@msd/database';
import {
  type CopyReplication,
  createCopyReplication,
  createEventConsumer,
  createScheduledRepair,
  type EventBusOptions,
  type ScheduledRepair,
  sharedTableWork,
} from '@msd/events';
import { type BackgroundProcess, createLogger, type EventTimings } from '@msd/service-kit';
import type { OrderDatabase } from '../data/database.ts';
import { driveOrderReactions, listOverdueOrders, readOrderReactions } from '../data/orderReactions.ts';
import { stockDecisionEffect } from '../data/orders.ts';
import { productNameCopy } from '../data/productNameCopy.ts';
import type { OrderReactionServices } from '../orderReactionServices.ts';
import type { ProductCatalog } from '../productCatalog.ts';

export interface OrderEvents {
  background: BackgroundProcess[];
  productName: CopyReplication;
  /** Anti-entropy for the order flow: overdue orders driven to CONFIRMED or REJECTED, with their shipment. */
  orderReactions: { reaction: string; deadlineMs: number; repair: ScheduledRepair };
}

/**
 * The order service publishes OrderCreated (outbox), keeps `productName` fresh from ProductUpdated,
 * and moves orders to CONFIRMED or REJECTED on the inventory's StockReserved / StockRejected.
 */
export function orderEvents(options: {
  db: OrderDatabase;
  databaseUrl: string;
  bus: EventBusOptions;
  productCatalog: ProductCatalog;
  reactionServices: OrderReactionServices;
  timings: EventTimings;
  /** An order whose reactions are not complete after this long is driven on (`REACTION_DEADLINE_MS`). */
  reactionDeadlineMs: number;
  /** How often overdue orders are looked for (`REACTION_REPAIR_INTERVAL_MS`). */
  reactionRepairIntervalMs: number;
}): OrderEvents {
  const { db, bus, timings } = options;
  const logger = createLogger('order');
  const productName = createCopyReplication({
    copy: 'order.productName',
    event: 'ProductUpdated',
    subscriber: 'order',
    field: productNameCopy,
    db,
    bus,
    logger,
    valueOf: (event) => event.payload.name,
    fetchOwner: (ids) => options.productCatalog.currentProducts(ids),
    ownerValue: (product) => product.name,
    reconcileIntervalMs: timings.reconcileIntervalMs,
  });
  const stockDecisions = (['StockReserved', 'StockRejected'] as const).map((event) =>
    createEventConsumer({
      event,
      subscriber: 'order',
      bus,
      logger,
      sql: plainSql(db),
      effect: stockDecisionEffect,
    }),
  );
  const deadlineMs = options.reactionDeadlineMs;
  // Overdue orders, checked against what inventory and shipping say about them, driven on where
  // a reaction is missing (one pass at a time across instances, every pass recorded).
  const reactionRepair = createScheduledRepair({
    name: 'order.reactions',
    db,
    bus,
    logger,
    batchSize: 100,
    intervalMs: options.reactionRepairIntervalMs,
    listIds: (afterId, limit) => listOverdueOrders(db, deadlineMs, afterId, limit),
    repairBatch: async (ids) =>
      driveOrderReactions(
        db,
        options.reactionServices,
        [...(await readOrderReactions(options.reactionServices, ids)).values()],
        logger,
      ),
  });
  return {
    background: [
      ...sharedTableWork({ service: 'order', ...options, logger }),
      productName.consumer,
      ...stockDecisions,
      productName.reconciler,
      reactionRepair,
    ],
    productName,
    orderReactions: { reaction: 'order.reactions', deadlineMs, repair: reactionRepair },
  };
}
