import { metrics } from '@msd/service-kit';
import { Counter, Gauge, Histogram } from 'prom-client';

export const propagationLag = new Histogram({
  name: 'event_propagation_lag_seconds',
  help: "Time from the owner's commit of an event to the commit of its effect, per (event, consumer)",
  labelNames: ['event', 'consumer'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metrics],
});

export const eventsConsumed = new Counter({
  name: 'events_consumed_total',
  help: 'Events handled by a consumer, by outcome: applied, duplicate (already in the inbox) or stale (older version)',
  labelNames: ['queue', 'outcome'] as const,
  registers: [metrics],
});

export const eventRetries = new Counter({
  name: 'event_retries_total',
  help: 'Failed attempts that will be retried with backoff',
  labelNames: ['queue'] as const,
  registers: [metrics],
});

export const eventsDeadLettered = new Counter({
  name: 'events_dead_lettered_total',
  help: 'Events parked in the dead-letter queue (malformed, or failed on every attempt)',
  labelNames: ['queue'] as const,
  registers: [metrics],
});

export const eventsUnverified = new Counter({
  name: 'events_unverified_total',
  help: "Events refused because they were not signed with their producer's key: parked, never applied",
  labelNames: ['queue'] as const,
  registers: [metrics],
});

export const eventsPublished = new Counter({
  name: 'outbox_events_published_total',
  help: 'Outbox rows handed to Redis by the relay',
  labelNames: ['service'] as const,
  registers: [metrics],
});

export const outboxBacklog = new Gauge({
  name: 'outbox_backlog',
  help: 'Outbox rows not yet published, as last seen by the relay',
  labelNames: ['service'] as const,
  registers: [metrics],
});

export const queueDepth = new Gauge({
  name: 'event_queue_depth',
  help: 'Jobs waiting or delayed in a consumer queue, as last sampled',
  labelNames: ['queue'] as const,
  registers: [metrics],
});

export const driftRepaired = new Counter({
  name: 'copy_drift_repaired_total',
  help: 'Copied rows found different from their owner by reconciliation, and repaired',
  labelNames: ['copy'] as const,
  registers: [metrics],
});

export const busDataLosses = new Counter({
  name: 'event_bus_data_losses_total',
  help: 'Times a relay found the event bus (Redis) had lost data: its epoch marker missing or changed',
  labelNames: ['service'] as const,
  registers: [metrics],
});

export const eventsRepublished = new Counter({
  name: 'outbox_events_republished_total',
  help: 'Published outbox rows sent again after the event bus lost data (consumers drop what they had)',
  labelNames: ['service'] as const,
  registers: [metrics],
});

export const eventsRescued = new Counter({
  name: 'events_rescued_total',
  help: "Jobs found in BullMQ's failed set (stalled too often, or parking failed) and parked, so none disappears",
  labelNames: ['queue'] as const,
  registers: [metrics],
});

export const reactionsRepaired = new Counter({
  name: 'reactions_repaired_total',
  help: 'Choreographed outcomes found incomplete past their deadline and driven on, by reaction and repair',
  labelNames: ['reaction', 'repair'] as const,
  registers: [metrics],
});

export const rowsPruned = new Counter({
  name: 'retention_rows_deleted_total',
  help: 'Rows deleted by retention, by table',
  labelNames: ['table'] as const,
  registers: [metrics],
});
