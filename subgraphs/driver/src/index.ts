import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('driver', process.env);
const { serviceDatabase } = await import('@msd/database');
const { processEventBus } = await import('@msd/events');
const { eventTimings, runProcess, serviceCalls } = await import('@msd/service-kit');

await runProcess('driver', process.env, async (config) => {
  const { createDriverServer } = await import('./server.ts');
  return createDriverServer({
    ...serviceDatabase('driver', config),
    services: serviceCalls('driver', config),
    timings: eventTimings(config),
    events: processEventBus(config),
  });
});
