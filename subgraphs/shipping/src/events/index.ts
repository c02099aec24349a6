import { plainSql } from '@msd/database';
import { createEventConsumer, type EventBusOptions, sharedTableWork } from '@msd/events';
import { createLogger, type EventTimings } from '@msd/service-kit';
import type { ShippingDatabase } from '../data/database.ts';
import { cancelShipmentEffect, createShipmentEffect } from '../data/shipments.ts';

/**
 * The shipping service creates a shipment for every OrderCreated (announcing ShipmentCreated
 * through its outbox), cancels it on StockRejected, and relays its outbox.
 */
export function shippingEvents(options: {
  databaseUrl: string;
  bus: EventBusOptions;
  db: ShippingDatabase;
  timings: EventTimings;
}) {
  const { db, bus } = options;
  const logger = createLogger('shipping');
  return [
    ...sharedTableWork({ service: 'shipping', ...options, logger }),
    createEventConsumer({
      event: 'OrderCreated',
      subscriber: 'shipping',
      bus,
      logger,
      sql: plainSql(db),
      effect: createShipmentEffect,
    }),
    createEventConsumer({
      event: 'StockRejected',
      subscriber: 'shipping',
      bus,
      logger,
      sql: plainSql(db),
      effect: cancelShipmentEffect,
    }),
  ];
}
