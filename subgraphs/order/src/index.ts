import { eventBus } from '@msd/events';
import { runProcess } from '@msd/service-kit';

await runProcess('order', async (config) => {
  const { createOrderServer } = await import('./server.ts');
  return createOrderServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }),
  });
});
