import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { createOrderServer } from './server.ts';

await serve(createOrderServer({ events: eventBus() }), servicePort('order'));
