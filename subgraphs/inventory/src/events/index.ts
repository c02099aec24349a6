import { plainSql } from '@msd/database';
import { createEventConsumer, type EventBusOptions, sharedTableWork } from '@msd/events';
import { createLogger, type EventTimings } from '@msd/service-kit';
import type { InventoryDatabase } from '../data/database.ts';
import { reserveStockEffect } from '../data/reserveStockEffect.ts';
import { openStockLevel } from '../data/stockLevels.ts';

/**
 * The inventory service opens a stock row for every ProductCreated, answers every OrderCreated
 * with StockReserved or StockRejected (through its outbox), and relays that outbox (with the
 * StockRestocked of every restock).
 */
export function inventoryEvents(options: {
  databaseUrl: string;
  bus: EventBusOptions;
  timings: EventTimings;
  db: InventoryDatabase;
}) {
  const { db, bus } = options;
  const logger = createLogger('inventory');
  return [
    ...sharedTableWork({ service: 'inventory', ...options, logger }),
    createEventConsumer({
      event: 'ProductCreated',
      subscriber: 'inventory',
      bus,
      logger,
      db,
      apply: (event, tx) => openStockLevel(tx, event),
    }),
    createEventConsumer({
      event: 'OrderCreated',
      subscriber: 'inventory',
      bus,
      logger,
      sql: plainSql(db),
      effect: reserveStockEffect,
    }),
  ];
}
