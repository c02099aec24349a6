import { databaseUrl } from '@msd/database';
import { openDriverDatabase } from '@msd/driver-service/database';
import { openInventoryDatabase } from '@msd/inventory-service/database';
import { openOrderDatabase } from '@msd/order-service/database';
import { openProductDatabase } from '@msd/product-service/database';
import { openRideDatabase } from '@msd/ride-service/database';
import type { Logger } from '@msd/service-kit';
import { openShippingDatabase } from '@msd/shipping-service/database';
import { demoData, scaledCounts } from './demoData.ts';

interface SeedTarget {
  count(): Promise<number>;
  createMany(args: { data: never[] }): Promise<{ count: number }>;
}

/**
 * Seeds each service's database with its part of the demo set, with that service's own credentials
 * and only when its tables are empty: a restart never duplicates data, and data a user created
 * is never touched. `scale` multiplies every count (the growth benchmark's larger databases).
 */
export async function seedDemoData(
  logger: Logger,
  urls: (service: Parameters<typeof databaseUrl>[0]) => string = databaseUrl,
  scale = 1,
) {
  const demo = demoData(scaledCounts(scale));
  const product = openProductDatabase(urls('product'));
  const inventory = openInventoryDatabase(urls('inventory'));
  const order = openOrderDatabase(urls('order'));
  const shipping = openShippingDatabase(urls('shipping'));
  const driver = openDriverDatabase(urls('driver'));
  const ride = openRideDatabase(urls('ride'));
  const plan: [string, SeedTarget, unknown[]][] = [
    ['product.products', product.product, demo.products],
    ['inventory.stock_levels', inventory.stockLevel, demo.stockLevels],
    ['order.orders', order.order, demo.orders],
    ['order.order_items', order.orderItem, demo.orderItems],
    ['shipping.shipments', shipping.shipment, demo.shipments],
    ['driver.drivers', driver.driver, demo.drivers],
    ['ride.rides', ride.ride, demo.rides],
    ['driver.rateable_rides', driver.rateableRide, demo.rateableRides],
  ];
  try {
    // Orders are checked once for both order tables: items alone would be half an order.
    const ordersEmpty = (await order.order.count()) === 0;
    for (const [table, target, rows] of plan) {
      const empty = table.startsWith('order.') ? ordersEmpty : (await target.count()) === 0;
      if (!empty) {
        logger.info('seed skipped: table has data', { table });
        continue;
      }
      const { count } = await target.createMany({ data: rows as never[] });
      logger.info('seeded', { table, rows: count });
    }
  } finally {
    await Promise.all([product, inventory, order, shipping, driver, ride].map((db) => db.$disconnect()));
  }
}
