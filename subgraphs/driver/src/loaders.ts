import { createEntityLoader } from '@msd/service-kit';
import type { DriverDatabase } from './data/database.ts';
import { findDriversByIds } from './data/drivers.ts';

export function createLoaders(db: DriverDatabase) {
  return {
    driverById: createEntityLoader((ids) => findDriversByIds(db, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
