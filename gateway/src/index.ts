import { eventBus } from '@msd/events';
import { createLogger, serve, servicePort } from '@msd/service-kit';
import { entityCacheConfig } from './cache/entityCache.ts';
import { runWorkers } from './runWorkers.ts';
import { createGatewayServer } from './server.ts';

await runWorkers(createLogger('gateway'), () =>
  serve(
    createGatewayServer({ events: eventBus(), entityCache: entityCacheConfig() }),
    servicePort('gateway'),
  ),
);
