import { coordinatorVariables } from '@msd/coordinator-service';
import { gatewayVariables } from '@msd/gateway';
import { orderVariables } from '@msd/order-service';
import type { ProcessName } from '@msd/registry';
import { consistencyReadVariables, type VariableShape } from '@msd/service-kit';

/**
 * The variables each process reads beyond every process's (`processConfig` of @msd/service-kit):
 * the shape its `index.ts` hands to `runProcess`. docs/configuration.md is generated from these;
 * a process with a schema of its own is one line here.
 */
export const processVariables: Partial<Record<ProcessName, VariableShape>> = {
  product: {},
  order: orderVariables,
  inventory: consistencyReadVariables,
  shipping: {},
  driver: {},
  ride: consistencyReadVariables,
  coordinator: coordinatorVariables,
  gateway: gatewayVariables,
};
