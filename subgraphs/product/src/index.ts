import { eventBus } from '@msd/events';
import { runProcess } from '@msd/service-kit';

await runProcess('product', async (config) => {
  const { createProductServer } = await import('./server.ts');
  return createProductServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }),
  });
});
