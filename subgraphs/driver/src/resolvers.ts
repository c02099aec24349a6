import {
  badUserInput,
  forbidden,
  type GraphQLResolverMap,
  isUuid,
  notFound,
  pageArgs,
  requireText,
} from '@msd/service-kit';
import type { DriverContext } from './context.ts';
import {
  type CarFields,
  type DriverPatch,
  type DriverRecord,
  DuplicatePlate,
  insertDriver,
  listDrivers,
  NoRateableRide,
  rateDriver,
  ratingOf,
  updateDriver,
} from './data/drivers.ts';

interface CarInput {
  make: string;
  model: string;
  color: string;
  plate: string;
}

export const resolvers: GraphQLResolverMap<DriverContext> = {
  Query: {
    driver: (_: unknown, { id }: { id: string }, { loaders }: DriverContext) => loaders.driverById.load(id),
    drivers: (_: unknown, args: { first?: number; after?: string }, { db }: DriverContext) =>
      listDrivers(db, pageArgs(args)),
  },
  Mutation: {
    createDriver: (
      _: unknown,
      { input }: { input: { name: string; car: CarInput } },
      { db }: DriverContext,
    ) =>
      withPlateCheck(() =>
        insertDriver(db, { name: requireText(input.name, 'name'), ...carFields(input.car) }),
      ),
    updateDriver: async (
      _: unknown,
      { id, input }: { id: string; input: { name?: string | null; car?: CarInput | null } },
      { db }: DriverContext,
    ) => {
      const patch: DriverPatch = {};
      if (input.name != null) patch.name = requireText(input.name, 'name');
      if (input.car != null) Object.assign(patch, carFields(input.car));
      if (Object.keys(patch).length === 0) throw badUserInput('Nothing to update: give name or car');
      return found(id, await withPlateCheck(async () => (isUuid(id) ? updateDriver(db, id, patch) : null)));
    },
    rateDriver: async (
      _: unknown,
      { id, stars, rideId }: { id: string; stars: number; rideId?: string | null },
      { db, caller }: DriverContext,
    ) => {
      if (!Number.isInteger(stars) || stars < 1 || stars > 5) {
        throw badUserInput('"stars" must be a whole number from 1 to 5', { field: 'stars' });
      }
      if (rideId != null && !isUuid(rideId))
        throw badUserInput('"rideId" is not a ride id', { field: 'rideId' });
      // A rating belongs to one finished ride, once: the rider's own (an operator acts for every rider).
      const riderId = caller.scopes.includes('operator') ? undefined : caller.subject;
      if (riderId === undefined && !caller.scopes.includes('operator'))
        throw forbidden('Only a rider rates a driver', { id });
      try {
        return found(
          id,
          isUuid(id)
            ? await rateDriver(db, { driverId: id, stars, riderId, rideId: rideId ?? undefined })
            : null,
        );
      } catch (error) {
        if (!(error instanceof NoRateableRide)) throw error;
        throw forbidden(
          `No finished, unrated ride ${riderId === undefined ? '' : 'of yours '}with driver "${id}"${rideId ? ` (ride "${rideId}")` : ''}`,
          { id },
        );
      }
    },
  },
  Driver: {
    __resolveReference: ({ id }: { id: string }, { loaders }: DriverContext) => loaders.driverById.load(id),
    rating: ratingOf,
    car: (driver: DriverRecord) => ({
      make: driver.carMake,
      model: driver.carModel,
      color: driver.carColor,
      plate: driver.carPlate,
    }),
    updatedAt: (driver: DriverRecord) => driver.updatedAt.toISOString(),
  },
};

function carFields(car: CarInput): CarFields {
  return {
    carMake: requireText(car.make, 'car.make', 60),
    carModel: requireText(car.model, 'car.model', 60),
    carColor: requireText(car.color, 'car.color', 30),
    carPlate: requireText(car.plate, 'car.plate', 16).toUpperCase(),
  };
}

function found(id: string, driver: DriverRecord | null): DriverRecord {
  if (!driver) throw notFound(`No driver with id "${id}"`, { id });
  return driver;
}

async function withPlateCheck<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DuplicatePlate) {
      throw badUserInput(`Another driver already has plate "${error.message}"`, { field: 'car.plate' });
    }
    throw error;
  }
}
