import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('ride', process.env);
const { serviceDatabase } = await import('@msd/database');
const { processEventBus } = await import('@msd/events');
const { consistencyReadOptions, consistencyReadVariables, eventTimings, runProcess, serviceCalls } =
  await import('@msd/service-kit');

await runProcess(
  'ride',
  process.env,
  async (config) => {
    const { createRideServer } = await import('./server.ts');
    return createRideServer({
      ...serviceDatabase('ride', config),
      services: serviceCalls('ride', config),
      timings: eventTimings(config),
      events: processEventBus(config),
      consistencyReads: consistencyReadOptions(config),
    });
  },
  consistencyReadVariables,
);
