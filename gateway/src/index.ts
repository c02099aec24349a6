import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { entityCacheConfig } from './cache/entityCache.ts';
import { createGatewayServer } from './server.ts';

await serve(
  createGatewayServer({ events: eventBus(), entityCache: entityCacheConfig() }),
  servicePort('gateway'),
);
