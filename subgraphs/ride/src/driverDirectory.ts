import { createServiceClient, fetchEntities, serviceCredential } from '@msd/service-kit';

export interface DirectoryDriver {
  id: string;
  name: string;
  version: number;
}

/** The driver service, read through its GraphQL API: the ride service never opens its database. */
export function createDriverDirectory(url?: string) {
  const client = createServiceClient('driver', {
    credential: serviceCredential('ride', 'driver'),
    ...(url ? { url } : {}),
  });
  return {
    currentDrivers: (ids: readonly string[]) =>
      fetchEntities<DirectoryDriver>(client, 'Driver', ids, 'name version'),
  };
}

export type DriverDirectory = ReturnType<typeof createDriverDirectory>;
