import type { Caller, RequestConsistency } from '@msd/service-kit';
import type { DriverDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface DriverContext {
  db: DriverDatabase;
  loaders: Loaders;
  /** Who the gateway verified this request is for. */
  caller: Caller;
  /** Where mutations record the versions they wrote, for the caller's consistency token. */
  consistency: RequestConsistency;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(
  db: DriverDatabase,
  caller: Caller,
  consistency: RequestConsistency,
): DriverContext {
  return { db, loaders: createLoaders(db), caller, consistency };
}
