import { readCopyStatus, reconcileNow } from '@msd/events';
import { type GraphQLResolverMap, pageArgs } from '@msd/service-kit';
import type { RideContext } from './context.ts';
import { listRides, type RideRecord } from './data/rides.ts';
import { type RequestRideInput, requestRide } from './requestRide.ts';

export const resolvers: GraphQLResolverMap<RideContext> = {
  Query: {
    ride: (_: unknown, { id }: { id: string }, { loaders }: RideContext) => loaders.rideById.load(id),
    rides: (_: unknown, args: { first?: number; after?: string }, { db }: RideContext) =>
      listRides(db, pageArgs(args)),
  },
  Mutation: {
    requestRide: (_: unknown, { input }: { input: RequestRideInput }, { db, driverDirectory }: RideContext) =>
      requestRide(db, driverDirectory, input),
    reconcileDriverNames: (_: unknown, __: unknown, { db, events }: RideContext) =>
      reconcileNow(db, events?.driverName),
  },
  ReplicationStatus: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    driverName: (_: unknown, __: unknown, { db, events }: RideContext) =>
      events ? readCopyStatus(db, events.driverName) : null,
  },
  Ride: {
    __resolveReference: ({ id }: { id: string }, { loaders }: RideContext) => loaders.rideById.load(id),
    driver: (ride: RideRecord) => ({ __typename: 'Driver', id: ride.driverId }),
    requestedAt: (ride: RideRecord) => ride.requestedAt.toISOString(),
  },
};
