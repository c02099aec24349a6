import { appendToOutbox } from '@msd/events';
import type { PageArgs } from '@msd/service-kit';
import type { DriverDatabase } from './database.ts';
import type { Driver, Prisma } from './generated/client.ts';

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

/** Adds one rating atomically (no read-modify-write race between concurrent raters). */
export function addRating(db: DriverDatabase, id: string, stars: number): Promise<DriverRecord | null> {
  return writeDriver(db, id, { ratingTotal: { increment: stars }, ratingCount: { increment: 1 } });
}

/** Average stars, two decimals; 0 before the first rating. */
export function ratingOf(driver: DriverRecord): number {
  return driver.ratingCount === 0 ? 0 : Math.round((driver.ratingTotal / driver.ratingCount) * 100) / 100;
}

/** Every write bumps the version and announces DriverUpdated in the same transaction (outbox). */
function writeDriver(
  db: DriverDatabase,
  id: string,
  data: Prisma.DriverUpdateManyMutationInput,
): Promise<DriverRecord | null> {
  return db.$transaction(async (tx) => {
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
  });
}

async function translatePlateConflict<T>(plate: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') throw new DuplicatePlate(plate);
    throw error;
  }
}
