import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { createInventoryServer } from './server.ts';

await serve(createInventoryServer({ events: eventBus() }), servicePort('inventory'));
