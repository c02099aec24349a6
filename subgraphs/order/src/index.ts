import { serve, servicePort } from '@msd/service-kit';
import { createOrderServer } from './server.ts';

await serve(createOrderServer(), servicePort('order'));
