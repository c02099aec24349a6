import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { createRideServer } from './server.ts';

await serve(createRideServer({ events: eventBus() }), servicePort('ride'));
