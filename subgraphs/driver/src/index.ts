import { eventBus } from '@msd/events';
import { serve, servicePort } from '@msd/service-kit';
import { createDriverServer } from './server.ts';

await serve(createDriverServer({ events: eventBus() }), servicePort('driver'));
