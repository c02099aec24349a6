import { serve, servicePort } from '@msd/service-kit';
import { createProductServer } from './server.ts';

await serve(createProductServer(), servicePort('product'));
