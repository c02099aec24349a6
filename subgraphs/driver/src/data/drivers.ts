import { appendToOutbox } from '@msd/events';
import type { PageArgs } from '@msd/service-kit';
import type { DriverDatabase } from './database.ts';
import type { Driver, Prisma } from './generated/client.ts';
import { takeRateableRide } from './rateableRides.ts';

export type DriverRecord = Driver;

export interface CarFields {
  carMake: string;
  carModel: string;
  carColor: string;
  carPlate: string;
}

export interface NewDriver extends CarFields {
  name: string;
}

export type DriverPatch = Partial<NewDriver>;

export class DuplicatePlate extends Error {}

/** What the API reads of a driver. */
export type DriverRow = Omit<DriverRecord, 'createdAt'>;

// One statement text for any number of ids (`= ANY($1)`, not a fresh `IN ($1..$n)` per batch size),
// so PostgreSQL can keep its plan, and only the columns the API reads.
export function findDriversByIds(db: DriverDatabase, ids: readonly string[]): Promise<DriverRow[]> {
  return db.$queryRaw`
    SELECT id, name, rating_total AS "ratingTotal", rating_count AS "ratingCount", car_make AS "carMake",
           car_model AS "carModel", car_color AS "carColor", car_plate AS "carPlate", version,
           updated_at AS "updatedAt"
    FROM drivers WHERE id = ANY(${[...ids]}::uuid[])`;
}

export function listDrivers(db: DriverDatabase, page: PageArgs): Promise<DriverRecord[]> {
  return db.driver.findMany({
    where: page.afterId ? { id: { gt: page.afterId } } : {},
    orderBy: { id: 'asc' },
    take: page.take,
  });
}

export function insertDriver(db: DriverDatabase, driver: NewDriver): Promise<DriverRecord> {
  return translatePlateConflict(driver.carPlate, () => db.driver.create({ data: driver }));
}

/** Applies a patch and bumps the version in one statement; `null` when there is no such driver. */
export function updateDriver(
  db: DriverDatabase,
  id: string,
  patch: DriverPatch,
): Promise<DriverRecord | null> {
  return translatePlateConflict(patch.carPlate, () => writeDriver(db, id, patch));
}

/** The rating could not be taken: no finished, unrated ride of the rater's own with this driver. */
export class NoRateableRide extends Error {}

/**
 * Adds one rating that belongs to one finished ride (`takeRateableRide`): the ride is marked rated
 * and the driver's sum and count grow in one transaction, or nothing changes. The increment is done
 * in place (no read-modify-write race between concurrent raters). `null` when there is no such driver.
 */
export function rateDriver(
  db: DriverDatabase,
  rating: { driverId: string; stars: number; riderId: string | undefined; rideId: string | undefined },
): Promise<DriverRecord | null> {
  return db.$transaction(async (tx) => {
    const driver = await updateDriverIn(tx, rating.driverId, {
      ratingTotal: { increment: rating.stars },
      ratingCount: { increment: 1 },
    });
    if (!driver) return null;
    if (!(await takeRateableRide(tx, rating))) throw new NoRateableRide(rating.driverId);
    return driver;
  });
}

/** Average stars, two decimals; 0 before the first rating. */
export function ratingOf(driver: DriverRecord): number {
  return driver.ratingCount === 0 ? 0 : Math.round((driver.ratingTotal / driver.ratingCount) * 100) / 100;
}

function writeDriver(
  db: DriverDatabase,
  id: string,
  data: Prisma.DriverUpdateManyMutationInput,
): Promise<DriverRecord | null> {
  return db.$transaction((tx) => updateDriverIn(tx, id, data));
}

/** Every write bumps the version and announces DriverUpdated in the same transaction (outbox). */
async function updateDriverIn(
  tx: Prisma.TransactionClient,
  id: string,
  data: Prisma.DriverUpdateManyMutationInput,
): Promise<DriverRecord | null> {
  const [updated] = await tx.driver.updateManyAndReturn({
    where: { id },
    data: { ...data, version: { increment: 1 } },
  });
  if (!updated) return null;
  await appendToOutbox(tx, {
    type: 'DriverUpdated',
    aggregateId: updated.id,
    version: updated.version,
    payload: {
      driverId: updated.id,
      name: updated.name,
      rating: ratingOf(updated),
      ratingCount: updated.ratingCount,
    },
  });
  return updated;
}

async function translatePlateConflict<T>(plate: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') throw new DuplicatePlate(plate);
    throw error;
  }
}
