import { serve, servicePort } from '@msd/service-kit';
import { createShippingServer } from './server.ts';

await serve(createShippingServer(), servicePort('shipping'));
