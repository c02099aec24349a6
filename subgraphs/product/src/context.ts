import type { RequestConsistency } from '@msd/service-kit';
import type { ProductDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface ProductContext {
  db: ProductDatabase;
  loaders: Loaders;
  /** Where mutations record the versions they wrote, for the caller's consistency token. */
  consistency: RequestConsistency;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: ProductDatabase, consistency: RequestConsistency): ProductContext {
  return { db, loaders: createLoaders(db), consistency };
}
