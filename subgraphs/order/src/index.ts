import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, pg, ioredis, graphql) must load after it.
await startTelemetry('order', process.env);
const { serviceDatabase } = await import('@msd/database');
const { processEventBus } = await import('@msd/events');
const { consistencyReadOptions, eventTimings, runProcess, serviceCalls } = await import('@msd/service-kit');
const { orderVariables } = await import('./config.ts');

await runProcess(
  'order',
  process.env,
  async (config) => {
    const { createOrderServer } = await import('./server.ts');
    return createOrderServer({
      ...serviceDatabase('order', config),
      services: serviceCalls('order', config),
      timings: eventTimings(config),
      events: processEventBus(config),
      reactionDeadlineMs: config.REACTION_DEADLINE_MS,
      reactionRepairIntervalMs: config.REACTION_REPAIR_INTERVAL_MS,
      consistencyReads: consistencyReadOptions(config),
    });
  },
  orderVariables,
);
