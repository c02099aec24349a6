import type { RideDatabase } from './data/database.ts';
import type { DriverDirectory } from './driverDirectory.ts';
import type { RideEvents } from './events/index.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface RideContext {
  db: RideDatabase;
  loaders: Loaders;
  driverDirectory: DriverDirectory;
  /** The event side of the service, when it runs with events. */
  events: RideEvents | undefined;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(
  db: RideDatabase,
  driverDirectory: DriverDirectory,
  events: RideEvents | undefined,
): RideContext {
  return { db, loaders: createLoaders(db), driverDirectory, events };
}
