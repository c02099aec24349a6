import { eventBus } from '@msd/events';
import { runProcess } from '@msd/service-kit';

await runProcess('shipping', async (config) => {
  const { createShippingServer } = await import('./server.ts');
  return createShippingServer({
    events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }),
  });
});
