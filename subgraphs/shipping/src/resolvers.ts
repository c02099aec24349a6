import type { GraphQLResolverMap } from '@msd/service-kit';
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
    order: (shipment: ShipmentRecord) => ({ __typename: 'Order', id: shipment.orderId }),
    createdAt: (shipment: ShipmentRecord) => shipment.createdAt.toISOString(),
  },
  Order: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    shipment: ({ id }: { id: string }, _: unknown, { loaders }: ShippingContext) =>
      loaders.shipmentByOrderId.load(id),
  },
};
