import type { JobsOptions } from 'bullmq';

/**
 * How every consumer queue delivers: up to 8 attempts with exponential backoff and jitter (so
 * retries of many failed events do not arrive in lockstep), then the dead-letter queue.
 */
export const deliveryOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 100, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
