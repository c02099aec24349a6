import { serve, servicePort } from '@msd/service-kit';
import { createGatewayServer } from './server.ts';

await serve(createGatewayServer(), servicePort('gateway'));
