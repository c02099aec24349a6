import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('inventory', process.env);
const { serviceDatabase } = await import('@msd/database');
const { processEventBus } = await import('@msd/events');
const { consistencyReadOptions, consistencyReadVariables, eventTimings, runProcess, serviceCalls } =
  await import('@msd/service-kit');

await runProcess(
  'inventory',
  process.env,
  async (config) => {
    const { createInventoryServer } = await import('./server.ts');
    return createInventoryServer({
      ...serviceDatabase('inventory', config),
      services: serviceCalls('inventory', config),
      timings: eventTimings(config),
      events: processEventBus(config),
      consistencyReads: consistencyReadOptions(config),
    });
  },
  consistencyReadVariables,
);
