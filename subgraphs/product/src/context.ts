import type { ProductDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface ProductContext {
  db: ProductDatabase;
  loaders: Loaders;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: ProductDatabase): ProductContext {
  return { db, loaders: createLoaders(db) };
}
