import type { Caller } from '@msd/service-kit';
import type { ShippingDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface ShippingContext {
  db: ShippingDatabase;
  loaders: Loaders;
  /** Who the request is made for, as the gateway verified it. */
  caller: Caller;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: ShippingDatabase, caller: Caller): ShippingContext {
  return { db, loaders: createLoaders(db), caller };
}
