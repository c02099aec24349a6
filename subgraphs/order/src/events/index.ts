import {
  type CopyReplication,
  createCopyReplication,
  createEventConsumer,
  createOutboxRelay,
  type EventBusOptions,
} from '@msd/events';
import { type BackgroundProcess, createLogger } from '@msd/service-kit';
import type { OrderDatabase } from '../data/database.ts';
import { applyStockDecision } from '../data/orders.ts';
import { productNameCopy } from '../data/productNameCopy.ts';
import type { ProductCatalog } from '../productCatalog.ts';

export interface OrderEvents {
  background: BackgroundProcess[];
  productName: CopyReplication;
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
  reconcileIntervalMs?: number;
}): OrderEvents {
  const { db, bus } = options;
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
    ...(options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
  });
  const stockDecisions = (['StockReserved', 'StockRejected'] as const).map((event) =>
    createEventConsumer({
      event,
      subscriber: 'order',
      bus,
      logger,
      db,
      apply: (received, tx) => applyStockDecision(tx, received),
    }),
  );
  return {
    background: [
      createOutboxRelay({ service: 'order', databaseUrl: options.databaseUrl, bus, logger }),
      productName.consumer,
      ...stockDecisions,
      productName.reconciler,
    ],
    productName,
  };
}
