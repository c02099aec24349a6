import { serve, servicePort } from '@msd/service-kit';
import { createRideServer } from './server.ts';

await serve(createRideServer(), servicePort('ride'));
