import { createServiceClient, fetchEntities, type ServiceCalls } from '@msd/service-kit';

export interface DirectoryDriver {
  id: string;
  name: string;
  version: number;
}

/** The driver service, read through its GraphQL API: the ride service never opens its database. */
export function createDriverDirectory(calls: ServiceCalls) {
  const client = createServiceClient('driver', calls);
  return {
    currentDrivers: (ids: readonly string[]) =>
      fetchEntities<DirectoryDriver>(client, 'Driver', ids, 'name version'),
  };
}

export type DriverDirectory = ReturnType<typeof createDriverDirectory>;
