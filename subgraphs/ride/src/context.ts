import type { RideDatabase } from './data/database.ts';
import type { DriverDirectory } from './driverDirectory.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface RideContext {
  db: RideDatabase;
  loaders: Loaders;
  driverDirectory: DriverDirectory;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: RideDatabase, driverDirectory: DriverDirectory): RideContext {
  return { db, loaders: createLoaders(db), driverDirectory };
}
