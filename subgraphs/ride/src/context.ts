import type { CopyFreshness } from '@msd/events';
import type { Caller, RequestConsistency } from '@msd/service-kit';
import type { RideDatabase } from './data/database.ts';
import type { DriverDirectory } from './driverDirectory.ts';
import type { RideEvents } from './events/index.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface RideContext {
  db: RideDatabase;
  /** Who the gateway verified this request is for: rides are theirs to see, or an operator's. */
  caller: Caller;
  loaders: Loaders;
  driverDirectory: DriverDirectory;
  /** The event side of the service, when it runs with events. */
  events: RideEvents | undefined;
  /** What the caller's consistency token requires of this request's reads. */
  consistency: RequestConsistency;
  /** Waits for the driverName copy to reach a version (with events only). */
  freshness: CopyFreshness | undefined;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(
  db: RideDatabase,
  driverDirectory: DriverDirectory,
  events: RideEvents | undefined,
  caller: Caller,
  consistency: RequestConsistency,
  freshness: CopyFreshness | undefined,
): RideContext {
  return { db, caller, loaders: createLoaders(db), driverDirectory, events, consistency, freshness };
}
