import { actsFor, type GraphQLResolverMap } from '@msd/service-kit';
import type { ShippingContext } from './context.ts';
import type { ShipmentRecord } from './data/shipments.ts';

export const resolvers: GraphQLResolverMap<ShippingContext> = {
  Query: {
    shipment: (_: unknown, { id }: { id: string }, { loaders }: ShippingContext) =>
      loaders.shipmentById.load(id),
  },
  Shipment: {
    __resolveReference: ({ id }: { id: string }, { loaders }: ShippingContext) =>
      loaders.shipmentById.load(id),
    // The order (even its id) is its customer's and operators' only; a shipment whose customer is
    // not known yet (StockRejected came first) shows it to operators alone.
    order: (shipment: ShipmentRecord, _: unknown, { caller }: ShippingContext) => {
      actsFor(caller, shipment.customerId ?? '', `The order of shipment "${shipment.id}"`);
      return { __typename: 'Order', id: shipment.orderId };
    },
    createdAt: (shipment: ShipmentRecord) => shipment.createdAt.toISOString(),
  },
  Order: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    shipment: ({ id }: { id: string }, _: unknown, { loaders }: ShippingContext) =>
      loaders.shipmentByOrderId.load(id),
  },
};
