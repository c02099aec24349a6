import { createEntityLoader } from '@msd/service-kit';
import type { RideDatabase } from './data/database.ts';
import { findRidesByIds } from './data/rides.ts';

export function createLoaders(db: RideDatabase) {
  return {
    rideById: createEntityLoader((ids) => findRidesByIds(db, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
