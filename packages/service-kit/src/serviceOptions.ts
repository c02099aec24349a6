import type { ServiceCalls } from './createServiceClient.ts';
import { type ConsistencyReadOptions, defaultEventTimings, type EventTimings } from './processConfig.ts';

/** What every service's server factory takes: from its process's configuration, or a test's own. */
export interface ServiceOptions {
  databaseUrl: string;
  /** Connections to its database (`DATABASE_POOL_MAX`, default 5). */
  databasePoolMax?: number;
  /** Where the services it calls are, and the credential it presents to them and requires of its callers. */
  services: ServiceCalls;
  /** Timings of its event work; the `eventVariables` defaults where not given. */
  timings?: Partial<EventTimings>;
  /** How a read named by a consistency token waits for the service's consumer, then its owner. */
  consistencyReads?: ConsistencyReadOptions;
}

/** The timings a server runs with: the given ones over the defaults. */
export function timingsOf(options: Pick<ServiceOptions, 'timings'>): EventTimings {
  return { ...defaultEventTimings, ...options.timings };
}
