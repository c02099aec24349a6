import type { InventoryDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface InventoryContext {
  db: InventoryDatabase;
  loaders: Loaders;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: InventoryDatabase): InventoryContext {
  return { db, loaders: createLoaders(db) };
}
