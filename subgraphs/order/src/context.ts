import type { CopyFreshness } from '@msd/events';
import type { Caller, RequestConsistency } from '@msd/service-kit';
import type { OrderDatabase } from './data/database.ts';
import type { OrderEvents } from './events/index.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { ProductCatalog } from './productCatalog.ts';

export interface OrderContext {
  db: OrderDatabase;
  /** Who the gateway verified this request is for: orders are theirs to see, or an operator's. */
  caller: Caller;
  loaders: Loaders;
  productCatalog: ProductCatalog;
  /** The event side of the service, when it runs with events. */
  events: OrderEvents | undefined;
  /** What the caller's consistency token requires of this request's reads. */
  consistency: RequestConsistency;
  /** Waits for the productName copy to reach a version (with events only). */
  freshness: CopyFreshness | undefined;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(
  db: OrderDatabase,
  productCatalog: ProductCatalog,
  events: OrderEvents | undefined,
  caller: Caller,
  consistency: RequestConsistency,
  freshness: CopyFreshness | undefined,
): OrderContext {
  return { db, caller, loaders: createLoaders(db), productCatalog, events, consistency, freshness };
}
