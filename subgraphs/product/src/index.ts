import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('product', process.env);
const { serviceDatabase } = await import('@msd/database');
const { processEventBus } = await import('@msd/events');
const { eventTimings, runProcess, serviceCalls } = await import('@msd/service-kit');

await runProcess('product', process.env, async (config) => {
  const { createProductServer } = await import('./server.ts');
  return createProductServer({
    ...serviceDatabase('product', config),
    services: serviceCalls('product', config),
    timings: eventTimings(config),
    events: processEventBus(config),
  });
});
