import { type ProcessName, type ServiceName, serviceEntry, urlVariable } from '@msd/registry';

/** The GraphQL endpoint of a service: `<SERVICE>_URL` (containers, tests, other hosts), else its registry port. */
export function serviceUrl(service: ServiceName): string {
  return process.env[urlVariable(service)] ?? `http://127.0.0.1:${serviceEntry(service).port}/graphql`;
}

/** The port a process listens on: `PORT`, else its registry port. */
export function servicePort(name: ProcessName): number {
  return Number(process.env.PORT ?? serviceEntry(name).port);
}
