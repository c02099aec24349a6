import { createEntityLoader } from '@msd/service-kit';
import type { ProductDatabase } from './data/database.ts';
import { findProductsByIds } from './data/products.ts';

export function createLoaders(db: ProductDatabase) {
  return {
    productById: createEntityLoader((ids) => findProductsByIds(db, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
