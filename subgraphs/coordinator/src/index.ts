import { serve, servicePort } from '@msd/service-kit';
import { createCoordinatorServer } from './server.ts';

await serve(createCoordinatorServer(), servicePort('coordinator'));
