/** Where each service listens by default; `<SERVICE>_URL` overrides (containers, tests, other hosts). */
export const servicePorts = {
  gateway: 4000,
  product: 4001,
  order: 4002,
  inventory: 4003,
  shipping: 4004,
  driver: 4005,
  ride: 4006,
  coordinator: 4007,
} as const;

export type ServiceName = Exclude<keyof typeof servicePorts, 'gateway'>;

/** The GraphQL endpoint of a service, e.g. `PRODUCT_URL=http://product:4001/graphql`. */
export function serviceUrl(service: ServiceName): string {
  return process.env[`${service.toUpperCase()}_URL`] ?? `http://127.0.0.1:${servicePorts[service]}/graphql`;
}

/** The port a service listens on: `PORT`, else its default. */
export function servicePort(service: keyof typeof servicePorts): number {
  return Number(process.env.PORT ?? servicePorts[service]);
}
