import type { Caller } from '@msd/service-kit';
import type { DriverDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface DriverContext {
  db: DriverDatabase;
  loaders: Loaders;
  /** Who the gateway verified this request is for. */
  caller: Caller;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: DriverDatabase, caller: Caller): DriverContext {
  return { db, loaders: createLoaders(db), caller };
}
