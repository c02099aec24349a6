import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('ride');
const { eventBus, eventKeys } = await import('@msd/events');
const { runProcess } = await import('@msd/service-kit');

await runProcess('ride', async (config) => {
  const { createRideServer } = await import('./server.ts');
  return createRideServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX, keys: eventKeys(config) }),
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
  });
});
