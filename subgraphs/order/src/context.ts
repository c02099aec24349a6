import type { Caller } from '@msd/service-kit';
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
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(
  db: OrderDatabase,
  productCatalog: ProductCatalog,
  events: OrderEvents | undefined,
  caller: Caller,
): OrderContext {
  return { db, caller, loaders: createLoaders(db), productCatalog, events };
}
