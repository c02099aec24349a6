import { randomUUID } from 'node:crypto';
import { createDriverServer } from '@msd/driver-service';
import { type EventBusOptions, eventBus } from '@msd/events';
import { createGatewayServer } from '@msd/gateway';
import { createInventoryServer } from '@msd/inventory-service';
import { createOrderServer } from '@msd/order-service';
import { createProductServer } from '@msd/product-service';
import { createRideServer } from '@msd/ride-service';
import { createShippingServer } from '@msd/shipping-service';
import { clearEventBus } from './clearEventBus.ts';
import { startTestSubgraph, type TestSubgraph } from './startTestSubgraph.ts';

export interface TestFederation {
  gatewayUrl: string;
  subgraphs: Record<'product' | 'order' | 'inventory' | 'shipping' | 'driver' | 'ride', TestSubgraph>;
  /** The event bus of this federation (a queue prefix of its own), when started with events. */
  bus: EventBusOptions | undefined;
  stop(): Promise<void>;
}

/**
 * The six subgraphs and the gateway over real HTTP on free ports, each subgraph with a fresh
 * database of its own; the gateway runs the committed supergraph with the subgraph URLs replaced.
 * With `events`, every service also runs its relay and consumers on real Redis, under a queue
 * prefix unique to this federation (removed on stop).
 */
export async function startTestFederation(
  options: { events?: boolean; redisUrl?: string; reconcileIntervalMs?: number } = {},
): Promise<TestFederation> {
  const bus = options.events
    ? eventBus({
        prefix: `test-${randomUUID()}`,
        ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      })
    : undefined;
  const events = bus ? { events: bus } : {};
  const reconcile = options.reconcileIntervalMs ? { reconcileIntervalMs: options.reconcileIntervalMs } : {};
  const [product, driver, inventory, shipping] = await Promise.all([
    startTestSubgraph('product', (o) => createProductServer({ ...o, ...events })),
    startTestSubgraph('driver', (o) => createDriverServer({ ...o, ...events })),
    startTestSubgraph('inventory', (o) => createInventoryServer({ ...o, ...events })),
    startTestSubgraph('shipping', (o) => createShippingServer({ ...o, ...events })),
  ]);
  const [order, ride] = await Promise.all([
    startTestSubgraph('order', (o) =>
      createOrderServer({ ...o, ...events, ...reconcile, productUrl: product.url }),
    ),
    startTestSubgraph('ride', (o) =>
      createRideServer({ ...o, ...events, ...reconcile, driverUrl: driver.url }),
    ),
  ]);
  const subgraphs = { product, order, inventory, shipping, driver, ride };
  const gateway = createGatewayServer({
    subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])),
  });
  const { url } = await gateway.listen(0);
  return {
    gatewayUrl: url,
    subgraphs,
    bus,
    async stop() {
      await gateway.stop();
      await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
      if (bus) await clearEventBus(bus);
    },
  };
}
