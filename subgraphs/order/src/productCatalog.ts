import { createServiceClient, fetchEntities, type ServiceCalls } from '@msd/service-kit';

export interface CatalogProduct {
  id: string;
  name: string;
  price: number;
  version: number;
}

/** The product service, read through its GraphQL API: the order service never opens its database. */
export function createProductCatalog(calls: ServiceCalls) {
  const client = createServiceClient('product', calls);
  return {
    currentProducts: (ids: readonly string[]) =>
      fetchEntities<CatalogProduct>(client, 'Product', ids, 'name price version'),
  };
}

export type ProductCatalog = ReturnType<typeof createProductCatalog>;
