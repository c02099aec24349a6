import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('order');
const { eventBus, eventKeys } = await import('@msd/events');
const { runProcess } = await import('@msd/service-kit');

await runProcess('order', async (config) => {
  const { createOrderServer } = await import('./server.ts');
  return createOrderServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX, keys: eventKeys(config) }),
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
  });
});
