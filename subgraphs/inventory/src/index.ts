import { eventBus } from '@msd/events';
import { runProcess } from '@msd/service-kit';

await runProcess('inventory', async (config) => {
  const { createInventoryServer } = await import('./server.ts');
  return createInventoryServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }),
  });
});
