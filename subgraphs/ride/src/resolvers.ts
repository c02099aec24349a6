import { readCopyStatus, reconcileNow } from '@msd/events';
import {
  actsFor,
  badUserInput,
  type Caller,
  type GraphQLResolverMap,
  isUuid,
  notFound,
  pageArgs,
} from '@msd/service-kit';
import type { RideContext } from './context.ts';
import { completeRide, listRides, type RideRecord } from './data/rides.ts';
import { type RequestRideInput, requestRide } from './requestRide.ts';

export const resolvers: GraphQLResolverMap<RideContext> = {
  Query: {
    ride: async (_: unknown, { id }: { id: string }, { loaders, caller }: RideContext) =>
      ownRide(await loaders.rideById.load(id), caller),
    rides: (_: unknown, args: { first?: number; after?: string }, { db, caller }: RideContext) =>
      listRides(db, pageArgs(args), caller.scopes.includes('operator') ? undefined : riderOf(caller)),
  },
  Mutation: {
    requestRide: (
      _: unknown,
      { input }: { input: RequestRideInput },
      { db, driverDirectory, caller }: RideContext,
    ) => {
      actsFor(caller, input.riderId, `A ride for rider "${input.riderId}"`);
      return requestRide(db, driverDirectory, input);
    },
    completeRide: async (_: unknown, { id }: { id: string }, { db }: RideContext) => {
      const result = isUuid(id) ? await completeRide(db, id) : null;
      if (!result) throw notFound(`No ride with id "${id}"`, { id });
      if (!result.completed)
        throw badUserInput(
          `Ride "${id}" is ${result.ride.status}: only a REQUESTED or ACCEPTED ride finishes`,
          {
            field: 'id',
            status: result.ride.status,
          },
        );
      return result.ride;
    },
    reconcileDriverNames: (_: unknown, __: unknown, { db, events }: RideContext) =>
      reconcileNow(db, events?.driverName),
  },
  ReplicationStatus: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    driverName: (_: unknown, __: unknown, { db, events }: RideContext) =>
      events ? readCopyStatus(db, events.driverName) : null,
  },
  Ride: {
    __resolveReference: async ({ id }: { id: string }, { loaders, caller }: RideContext) =>
      ownRide(await loaders.rideById.load(id), caller),
    driver: (ride: RideRecord) => ({ __typename: 'Driver', id: ride.driverId }),
    requestedAt: (ride: RideRecord) => ride.requestedAt.toISOString(),
    completedAt: (ride: RideRecord) => ride.completedAt?.toISOString() ?? null,
  },
};

/** A ride is its rider's (and an operator's) to see: anyone else gets FORBIDDEN. */
function ownRide(ride: RideRecord | null, caller: Caller): RideRecord | null {
  if (ride) actsFor(caller, ride.riderId, `Ride "${ride.id}"`);
  return ride;
}

/** The rider whose rides a non-operator caller lists: itself; an anonymous caller lists none. */
function riderOf(caller: Caller): string {
  if (caller.subject === undefined) actsFor(caller, '', 'Rides');
  return caller.subject as string;
}
