import { serve, servicePort } from '@msd/service-kit';
import { createInventoryServer } from './server.ts';

await serve(createInventoryServer(), servicePort('inventory'));
