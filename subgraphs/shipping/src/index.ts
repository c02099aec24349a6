import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { createShippingServer } from './server.ts';

await serve(createShippingServer({ events: eventBus() }), servicePort('shipping'));
