import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('shipping', process.env);
const { serviceDatabase } = await import('@msd/database');
const { processEventBus } = await import('@msd/events');
const { eventTimings, runProcess, serviceCalls } = await import('@msd/service-kit');

await runProcess('shipping', process.env, async (config) => {
  const { createShippingServer } = await import('./server.ts');
  return createShippingServer({
    ...serviceDatabase('shipping', config),
    services: serviceCalls('shipping', config),
    timings: eventTimings(config),
    events: processEventBus(config),
  });
});
