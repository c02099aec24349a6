import { serve, servicePort } from '@msd/service-kit';
import { createDriverServer } from './server.ts';

await serve(createDriverServer(), servicePort('driver'));
