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

export function findDriversByIds(db: DriverDatabase, ids: readonly string[]): Promise<DriverRecord[]> {
  return db.driver.findMany({ where: { id: { in: [...ids] } } });
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

async function writeDriver(
  db: DriverDatabase,
  id: string,
  data: Prisma.DriverUpdateManyMutationInput,
): Promise<DriverRecord | null> {
  const updated = await db.driver.updateManyAndReturn({
    where: { id },
    data: { ...data, version: { increment: 1 } },
  });
  return updated[0] ?? null;
}

async function translatePlateConflict<T>(plate: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') throw new DuplicatePlate(plate);
    throw error;
  }
}
