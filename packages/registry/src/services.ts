import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Tables that a library declares once (packages/<library>/prisma/<name>.prisma) and a service includes. */
export type SharedTable = 'outbox' | 'inbox' | 'reconciliation' | 'pendingRenames';

export interface ServiceEntry {
  /** Its folders (`subgraphs/<name>/`, `prisma/<name>/`), database `<name>_db`, role `<name>_svc`. */
  readonly name: string;
  readonly port: number;
  /** Events it writes to its outbox. */
  readonly publishes: readonly string[];
  /** Events it consumes: each (event, consumer) pair is a BullMQ queue of its own. */
  readonly consumes: readonly string[];
  /** Library-owned tables its Prisma schema includes. */
  readonly sharedTables: readonly SharedTable[];
  /**
   * Services whose GraphQL API it calls synchronously (with its own service credential): the only
   * callers those services accept besides the gateway, and the edges of the availability graph.
   */
  readonly calls: readonly string[];
}

/**
 * Every service of the system, in one place: provisioning, composition, URLs, event subscriptions
 * and the launcher read this list. Adding a service is its folder, its prisma folder and an entry.
 */
export const services = [
  {
    name: 'product',
    port: 4001,
    publishes: ['ProductCreated', 'ProductUpdated'],
    consumes: [],
    sharedTables: ['outbox', 'pendingRenames'],
    calls: ['coordinator'],
  },
  {
    name: 'order',
    port: 4002,
    publishes: ['OrderCreated'],
    consumes: ['ProductUpdated', 'StockReserved', 'StockRejected'],
    sharedTables: ['outbox', 'inbox', 'reconciliation', 'pendingRenames'],
    calls: ['product', 'inventory', 'shipping', 'coordinator'],
  },
  {
    name: 'inventory',
    port: 4003,
    publishes: ['StockReserved', 'StockRejected', 'StockRestocked'],
    consumes: ['ProductCreated', 'OrderCreated'],
    sharedTables: ['outbox', 'inbox'],
    calls: [],
  },
  {
    name: 'shipping',
    port: 4004,
    publishes: ['ShipmentCreated'],
    consumes: ['OrderCreated', 'StockRejected'],
    sharedTables: ['outbox', 'inbox'],
    calls: [],
  },
  {
    name: 'driver',
    port: 4005,
    publishes: ['DriverUpdated'],
    consumes: ['RideCompleted'],
    sharedTables: ['outbox', 'inbox'],
    calls: [],
  },
  {
    name: 'ride',
    port: 4006,
    publishes: ['RideCompleted'],
    consumes: ['DriverUpdated'],
    sharedTables: ['outbox', 'inbox', 'reconciliation'],
    calls: ['driver'],
  },
  {
    name: 'coordinator',
    port: 4007,
    publishes: [],
    consumes: [],
    sharedTables: [],
    calls: ['product', 'order'],
  },
] as const satisfies readonly ServiceEntry[];

/**
 * The gateway: no database and no SDL of its own; it consumes update events to drop cached
 * entities, and every event a subscription follows to push it: those about an entity it follows
 * (Order, Product), and those the services resolving ReplicationStatus (order, ride) consume.
 */
export const gateway = {
  name: 'gateway',
  port: 4000,
  publishes: [],
  consumes: [
    'ProductCreated',
    'ProductUpdated',
    'DriverUpdated',
    'OrderCreated',
    'StockReserved',
    'StockRejected',
    'StockRestocked',
    'ShipmentCreated',
  ],
  sharedTables: [],
  calls: ['product', 'order', 'inventory', 'shipping', 'driver', 'ride', 'coordinator'],
} as const satisfies ServiceEntry;

export type ServiceName = (typeof services)[number]['name'];
/** Every process that runs: the services and the gateway. */
export type ProcessName = ServiceName | typeof gateway.name;

export const serviceNames: readonly ServiceName[] = services.map((service) => service.name);
export const processes = [...services, gateway] as const;

export function isServiceName(value: string): value is ServiceName {
  return (serviceNames as readonly string[]).includes(value);
}

export function serviceEntry(name: ProcessName): ServiceEntry {
  const entry = processes.find((candidate) => candidate.name === name);
  if (!entry) throw new Error(`No service named "${name}" in the registry`);
  return entry;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const databaseName = (service: ServiceName) => `${service}_db`;
export const roleName = (service: ServiceName) => `${service}_svc`;
/** `PRODUCT_URL`: where other processes find a service's GraphQL endpoint. */
export const urlVariable = (name: ProcessName) => `${name.toUpperCase()}_URL`;
/** `PRODUCT_DATABASE_URL`: a service's own connection string, overriding the derived one. */
export const databaseUrlVariable = (service: ServiceName) => `${service.toUpperCase()}_DATABASE_URL`;
export const sdlPath = (service: ServiceName) => path.join(repoRoot, 'subgraphs', service, 'schema.graphql');
/** SDL declared once by @msd/events, which resolves it: the dead-letter API, a copy's freshness. */
const eventsSdl = (name: string) => path.join(repoRoot, 'packages', 'events', 'schema', `${name}.graphql`);
/**
 * The files a service's whole SDL is assembled from: its own `schema.graphql`, then the SDL a
 * library brings with its resolvers: the dead-letter API for every service that consumes events,
 * and `CopyStatus` for every service that keeps copies (it reconciles them).
 */
export const sdlFiles = (service: ServiceName): string[] => {
  const entry = serviceEntry(service);
  return [
    sdlPath(service),
    ...(entry.consumes.length > 0 ? [eventsSdl('parkedEvents')] : []),
    ...((entry.sharedTables as readonly SharedTable[]).includes('reconciliation')
      ? [eventsSdl('copyStatus')]
      : []),
  ];
};
/** A service's whole SDL, as the service serves it and composition reads it. */
export const readSdl = (service: ServiceName): string =>
  sdlFiles(service)
    .map((file) => readFileSync(file, 'utf8').trim())
    .join('\n\n');
export const prismaDir = (service: ServiceName) => path.join(repoRoot, 'prisma', service);
/** The entry point a process starts from (TypeScript source; the launcher runs it). */
export const entryPoint = (name: ProcessName) =>
  path.join(repoRoot, name === 'gateway' ? 'gateway' : `subgraphs/${name}`, 'src', 'index.ts');
