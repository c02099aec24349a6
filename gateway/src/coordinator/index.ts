import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { entityCacheConfig } from '../cache/entityCache.ts';
import { createCoordinatorServer } from './server.ts';

await serve(
  createCoordinatorServer({ events: eventBus(), entityCache: entityCacheConfig() }),
  servicePort('coordinator'),
);
