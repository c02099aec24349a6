import type { CopyFreshness } from '@msd/events';
import type { RequestConsistency } from '@msd/service-kit';
import type { InventoryDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface InventoryContext {
  db: InventoryDatabase;
  loaders: Loaders;
  /** What the caller's consistency token requires: its orders' reservations. */
  consistency: RequestConsistency;
  /** Waits for the OrderCreated consumer's decision on an order (with events only). */
  freshness: CopyFreshness | undefined;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(
  db: InventoryDatabase,
  consistency: RequestConsistency,
  freshness: CopyFreshness | undefined,
): InventoryContext {
  return { db, loaders: createLoaders(db), consistency, freshness };
}
