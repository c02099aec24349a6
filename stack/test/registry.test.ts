import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createCoordinatorServer } from '@msd/coordinator-service';
import { createDriverServer } from '@msd/driver-service';
import { type EventType, entityUpdates, eventBus, queueName, streamedToGateway } from '@msd/events';
import { entityCacheConfig, entityInvalidation, invalidatingEvents } from '@msd/gateway';
import { createInventoryServer } from '@msd/inventory-service';
import { createOrderServer } from '@msd/order-service';
import { createProductServer } from '@msd/product-service';
import { gateway, processes, repoRoot, type ServiceName, serviceEntry, serviceNames } from '@msd/registry';
import { createRideServer } from '@msd/ride-service';
import { createLogger, type SubgraphServer } from '@msd/service-kit';
import { createShippingServer } from '@msd/shipping-service';
import { testServiceCalls } from '@msd/testing';
import { describe, expect, it } from 'vitest';

// The registry is the wiring: these tests fail when the code and the registry disagree.

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.includes('generated'))
    .map((file) => path.join(dir, file));

/** The services a piece of code calls: `createServiceClient('<name>', ...)`. */
const callsIn = (files: string[]) =>
  new Set(
    files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/createServiceClient\(\s*'(\w+)'/g)].map((m) => m[1]!),
    ),
  );

/** A library's calls are made by every service that imports it. */
const libraryCalls = new Map(
  readdirSync(path.join(repoRoot, 'packages')).map((library) => [
    `@msd/${library}`,
    callsIn(sourceFiles(path.join(repoRoot, 'packages', library, 'src'))),
  ]),
);

function callsOf(service: ServiceName): string[] {
  const files = sourceFiles(path.join(repoRoot, 'subgraphs', service, 'src'));
  const calls = callsIn(files);
  for (const file of files)
    for (const [, library] of readFileSync(file, 'utf8').matchAll(/from '(@msd\/[\w-]+)'/g))
      for (const callee of libraryCalls.get(library!) ?? []) calls.add(callee);
  calls.delete(service);
  return [...calls].sort();
}

describe('synchronous calls', () => {
  it.each(serviceNames)('%s calls exactly the services its registry entry lists', (service) => {
    expect(callsOf(service)).toEqual([...serviceEntry(service).calls].sort());
  });

  it('form no cycle: no service’s availability depends on its own', () => {
    const callees = (name: string): readonly string[] => processes.find((p) => p.name === name)?.calls ?? [];
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const pending = [...callees(from)];
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        if (next === to) return true;
        if (!seen.has(next)) pending.push(...callees(next));
        seen.add(next);
      }
      return false;
    };
    // The participants ask the coordinator about renames they prepared (recovery of the
    // two-phase commit): the one cycle the design keeps, off the read path.
    const allowed = new Set(['product', 'order', 'coordinator']);
    expect(serviceNames.filter((service) => !allowed.has(service) && reaches(service, service))).toEqual([]);
  });
});

describe('event consumers', () => {
  const bus = eventBus({ prefix: 'registry-test' });
  // Built, never started: nothing connects, only the wiring is read.
  const unused = {
    databaseUrl: 'postgresql://nobody@127.0.0.1:9/unused',
    events: bus,
  };
  const services = (name: ServiceName) => testServiceCalls({}, name);
  const servers: Record<ServiceName, () => SubgraphServer> = {
    product: () => createProductServer({ ...unused, services: services('product') }),
    order: () => createOrderServer({ ...unused, services: services('order') }),
    inventory: () => createInventoryServer({ ...unused, services: services('inventory') }),
    shipping: () => createShippingServer({ ...unused, services: services('shipping') }),
    driver: () => createDriverServer({ ...unused, services: services('driver') }),
    ride: () => createRideServer({ ...unused, services: services('ride') }),
    coordinator: () =>
      createCoordinatorServer({ databaseUrl: unused.databaseUrl, services: services('coordinator') }),
  };
  const queuesOf = (background: readonly object[]) =>
    background.flatMap((process) => ('queue' in process ? [process.queue as string] : [])).sort();

  it.each(serviceNames)(
    '%s runs one consumer per event its registry entry consumes, and no other',
    (service) => {
      expect(queuesOf(servers[service]().background)).toEqual(
        serviceEntry(service)
          .consumes.map((event) => queueName(event as EventType, service))
          .sort(),
      );
    },
  );

  it('the gateway runs one consumer per event it takes from a queue (those that drop a cached entity; the rest come on its stream), and every cached type has an invalidating event', () => {
    const types = entityCacheConfig({})!.types;
    const consumers = entityInvalidation({ cache: undefined, types, bus, logger: createLogger('test') });
    const queued = gateway.consumes.filter((event) => !streamedToGateway.has(event as EventType));
    expect(queued.sort()).toEqual(Object.keys(entityUpdates).sort());
    expect(queuesOf(consumers)).toEqual(
      queued.map((event) => queueName(event as EventType, 'gateway')).sort(),
    );
    for (const [type, { subgraph }] of Object.entries(types))
      expect(invalidatingEvents(type, subgraph), type).not.toEqual([]);
  });
});
