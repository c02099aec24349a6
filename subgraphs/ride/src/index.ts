import { eventBus } from '@msd/events';
import { runProcess } from '@msd/service-kit';

await runProcess('ride', async (config) => {
  const { createRideServer } = await import('./server.ts');
  return createRideServer({ events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }) });
});
