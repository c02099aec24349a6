import { createDriverServer } from '@msd/driver-service';
import { createGatewayServer } from '@msd/gateway';
import { createInventoryServer } from '@msd/inventory-service';
import { createOrderServer } from '@msd/order-service';
import { createProductServer } from '@msd/product-service';
import { createRideServer } from '@msd/ride-service';
import { createShippingServer } from '@msd/shipping-service';
import { startTestSubgraph, type TestSubgraph } from './startTestSubgraph.ts';

export interface TestFederation {
  gatewayUrl: string;
  subgraphs: Record<'product' | 'order' | 'inventory' | 'shipping' | 'driver' | 'ride', TestSubgraph>;
  stop(): Promise<void>;
}

/**
 * The six subgraphs and the gateway over real HTTP on free ports, each subgraph with a fresh
 * database of its own; the gateway runs the committed supergraph with the subgraph URLs replaced.
 */
export async function startTestFederation(): Promise<TestFederation> {
  const [product, driver, inventory, shipping] = await Promise.all([
    startTestSubgraph('product', createProductServer),
    startTestSubgraph('driver', createDriverServer),
    startTestSubgraph('inventory', createInventoryServer),
    startTestSubgraph('shipping', createShippingServer),
  ]);
  const [order, ride] = await Promise.all([
    startTestSubgraph('order', (o) => createOrderServer({ ...o, productUrl: product.url })),
    startTestSubgraph('ride', (o) => createRideServer({ ...o, driverUrl: driver.url })),
  ]);
  const subgraphs = { product, order, inventory, shipping, driver, ride };
  const gateway = createGatewayServer({
    subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])),
  });
  const { url } = await gateway.listen(0);
  return {
    gatewayUrl: url,
    subgraphs,
    async stop() {
      await gateway.stop();
      await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
    },
  };
}
