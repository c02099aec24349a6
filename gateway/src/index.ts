import { startTelemetry } from '@msd/telemetry';

// Tracing first: what it instruments (http, ioredis, graphql, Apollo Gateway) must load after it.
await startTelemetry('gateway', process.env);
const { processEventBus } = await import('@msd/events');
const { createLogger, runProcess } = await import('@msd/service-kit');
const { runWorkers } = await import('./runWorkers.ts');
const { gatewaySettings, gatewayVariables, gatewayWorkers } = await import('./gatewayConfig.ts');

// The environment is parsed once, here; a worker (`GATEWAY_WORKERS` > 1) parses its own.
await runProcess(
  'gateway',
  process.env,
  async (config) => {
    const { createGatewayServer } = await import('./server.ts');
    return createGatewayServer({
      ...gatewaySettings(config),
      events: processEventBus(config),
    });
  },
  gatewayVariables,
  (config, serve) => runWorkers(createLogger('gateway'), gatewayWorkers(config), serve),
);
