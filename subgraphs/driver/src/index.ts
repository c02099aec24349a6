import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('driver');
const { eventBus, eventKeys } = await import('@msd/events');
const { runProcess } = await import('@msd/service-kit');

await runProcess('driver', async (config) => {
  const { createDriverServer } = await import('./server.ts');
  return createDriverServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX, keys: eventKeys(config) }),
  });
});
