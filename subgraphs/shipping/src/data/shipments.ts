import type { ShippingDatabase } from './database.ts';
import type { Shipment } from './generated/client.ts';

export type ShipmentRecord = Shipment;

export function findShipmentsByIds(db: ShippingDatabase, ids: readonly string[]): Promise<ShipmentRecord[]> {
  return db.shipment.findMany({ where: { id: { in: [...ids] } } });
}

export function findShipmentsByOrderIds(
  db: ShippingDatabase,
  orderIds: readonly string[],
): Promise<ShipmentRecord[]> {
  return db.shipment.findMany({ where: { orderId: { in: [...orderIds] } } });
}
