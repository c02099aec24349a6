import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('product');
const { eventBus, eventKeys } = await import('@msd/events');
const { runProcess } = await import('@msd/service-kit');

await runProcess('product', async (config) => {
  const { createProductServer } = await import('./server.ts');
  return createProductServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX, keys: eventKeys(config) }),
  });
});
