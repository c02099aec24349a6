import { eventBus } from '@msd/events';
import { runProcess } from '@msd/service-kit';

await runProcess('driver', async (config) => {
  const { createDriverServer } = await import('./server.ts');
  return createDriverServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }),
  });
});
