import { createServiceClient, fetchEntities, serviceCredential } from '@msd/service-kit';

export interface CatalogProduct {
  id: string;
  name: string;
  price: number;
  version: number;
}

/** The product service, read through its GraphQL API: the order service never opens its database. */
export function createProductCatalog(url?: string) {
  const client = createServiceClient('product', {
    credential: serviceCredential('order', 'product'),
    ...(url ? { url } : {}),
  });
  return {
    currentProducts: (ids: readonly string[]) =>
      fetchEntities<CatalogProduct>(client, 'Product', ids, 'name price version'),
  };
}

export type ProductCatalog = ReturnType<typeof createProductCatalog>;
