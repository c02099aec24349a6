import type { JobsOptions } from 'bullmq';

/**
 * How every consumer queue delivers: up to 8 attempts with exponential backoff and jitter (so
 * retries of many failed events do not arrive in lockstep), then the dead-letter queue.
 * A finished job is removed at once: the consumers' inboxes, not job ids kept in Redis, drop
 * duplicates, and an event sent again (after a broker data loss, or by anti-entropy) must be
 * delivered, not swallowed as "already done" by an old job with its id.
 */
export const deliveryOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 100, jitter: 0.5 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** `deliveryOptions` with the bus's first retry delay, when it sets one (`EventBusOptions.retryDelayMs`). */
export function deliveryOptionsOf(bus: { retryDelayMs?: number | undefined }): JobsOptions {
  return bus.retryDelayMs === undefined
    ? deliveryOptions
    : { ...deliveryOptions, backoff: { type: 'exponential', delay: bus.retryDelayMs, jitter: 0.5 } };
}
