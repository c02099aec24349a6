import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { createProductServer } from './server.ts';

await serve(createProductServer({ events: eventBus() }), servicePort('product'));
