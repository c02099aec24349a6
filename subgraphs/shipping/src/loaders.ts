import { createEntityLoader } from '@msd/service-kit';
import type { ShippingDatabase } from './data/database.ts';
import { findShipmentsByIds, findShipmentsByOrderIds } from './data/shipments.ts';

export function createLoaders(db: ShippingDatabase) {
  return {
    shipmentById: createEntityLoader((ids) => findShipmentsByIds(db, ids)),
    // One shipment per order (unique order_id), so an entity loader keyed by order id fits.
    shipmentByOrderId: createEntityLoader(
      (orderIds) => findShipmentsByOrderIds(db, orderIds),
      (shipment) => shipment.orderId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
