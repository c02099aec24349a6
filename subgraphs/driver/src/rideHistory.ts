import { createServiceClient, serviceCredential } from '@msd/service-kit';

/**
 * The ride service, asked through its API (never its database) whether a rider has ridden with a
 * driver: the driver service takes a rider's rating only then. When the ride service cannot answer,
 * the call throws SERVICE_UNAVAILABLE and the rating is not written.
 */
export function createRideHistory(url?: string) {
  const client = createServiceClient('ride', {
    credential: serviceCredential('driver', 'ride'),
    ...(url ? { url } : {}),
  });
  return {
    async hasRiddenWith(riderId: string, driverId: string): Promise<boolean> {
      const data = await client.request<{ riddenWith: boolean }>(
        'query ($riderId: String!, $driverId: ID!) { riddenWith(riderId: $riderId, driverId: $driverId) }',
        { riderId, driverId },
      );
      return data.riddenWith;
    },
  };
}

export type RideHistory = ReturnType<typeof createRideHistory>;
