import type { OrderDatabase } from './data/database.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { ProductCatalog } from './productCatalog.ts';

export interface OrderContext {
  db: OrderDatabase;
  loaders: Loaders;
  productCatalog: ProductCatalog;
}

/** One context per request: loaders batch within a request and never share a cache across users. */
export function createContext(db: OrderDatabase, productCatalog: ProductCatalog): OrderContext {
  return { db, loaders: createLoaders(db), productCatalog };
}
