import type { DriverDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface DriverContext {
  db: DriverDatabase;
  loaders: Loaders;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: DriverDatabase): DriverContext {
  return { db, loaders: createLoaders(db) };
}
