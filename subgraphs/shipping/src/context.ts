import type { ShippingDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface ShippingContext {
  db: ShippingDatabase;
  loaders: Loaders;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: ShippingDatabase): ShippingContext {
  return { db, loaders: createLoaders(db) };
}
