import { openOrderDatabase } from '@msd/order-service/database';
import { placeOrder } from '@msd/order-service/placeOrder';
import { createProductCatalog, type ProductCatalog } from '@msd/order-service/productCatalog';
import { openRideDatabase } from '@msd/ride-service/database';
import { createDriverDirectory, type DriverDirectory } from '@msd/ride-service/driverDirectory';
import { requestRide } from '@msd/ride-service/requestRide';
import { graphqlRequest, testServiceCalls } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// The write-time race, forced rather than hoped for: the owner's update is applied by the real
// consumer exactly between the write's read of the owner's API and its insert. The API's answer
// (the old name) is then already stale when the insert runs.
let federation: TestFederation;
let orderDb: ReturnType<typeof openOrderDatabase>;
let rideDb: ReturnType<typeof openRideDatabase>;
const query = <T = Record<string, unknown>>(text: string, variables?: Record<string, unknown>) =>
  graphqlRequest<T>(federation.gatewayUrl, text, variables, { as: 'operator' });

beforeAll(async () => {
  federation = await startTestFederation({ events: true });
  orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
  rideDb = openRideDatabase(federation.subgraphs.ride.databaseUrl);
}, 120_000);
afterAll(async () => {
  await Promise.all([orderDb?.$disconnect(), rideDb?.$disconnect()]);
  await federation?.stop();
});

/** How many events a consumer queue has applied (its inbox): the update has landed when this grows. */
const inboxCount = async (db: typeof orderDb | typeof rideDb, queue: string) =>
  Number(
    (
      await db.$queryRaw<
        { n: bigint }[]
      >`SELECT count(*) AS n FROM processed_events WHERE consumer = ${queue}`
    )[0]!.n,
  );

describe('a write copying an owner value, and an update of that value applied in between', () => {
  it('placeOrder keeps the name a ProductUpdated applied between the API read and the insert', async () => {
    const created = await query<{ createProduct: { id: string } }>(
      'mutation { createProduct(input: { sku: "race-1", name: "Old Kettle", price: 10 }) { id } }',
    );
    const productId = created.data!.createProduct.id;
    const real = createProductCatalog(
      testServiceCalls({ product: federation.subgraphs.product.url }, 'order'),
    );
    const racing: ProductCatalog = {
      async currentProducts(ids) {
        const answer = await real.currentProducts(ids); // "Old Kettle", version 1
        const before = await inboxCount(orderDb, 'ProductUpdated.order');
        await query('mutation ($id: ID!) { updateProduct(id: $id, input: { name: "New Kettle" }) { id } }', {
          id: productId,
        });
        // The consumer applies the update, which finds no order row of this product yet.
        await vi.waitFor(
          async () => expect(await inboxCount(orderDb, 'ProductUpdated.order')).toBe(before + 1),
          {
            timeout: 10_000,
          },
        );
        return answer;
      },
    };
    const order = await placeOrder(orderDb, racing, {
      customerId: 'c-race',
      items: [{ productId, quantity: 1 }],
    });
    const items = await orderDb.orderItem.findMany({ where: { orderId: order.id } });
    expect(items.map((i) => [i.productName, i.productVersion])).toEqual([['New Kettle', 2]]);
  });

  it('requestRide keeps the name a DriverUpdated applied between the API read and the insert', async () => {
    const created = await query<{ createDriver: { id: string } }>(
      'mutation { createDriver(input: { name: "Old Name", car: { make: "Fiat", model: "Uno", color: "red", plate: "R-1" } }) { id } }',
    );
    const driverId = created.data!.createDriver.id;
    const real = createDriverDirectory(testServiceCalls({ driver: federation.subgraphs.driver.url }, 'ride'));
    const racing: DriverDirectory = {
      async currentDrivers(ids) {
        const answer = await real.currentDrivers(ids);
        const before = await inboxCount(rideDb, 'DriverUpdated.ride');
        await query('mutation ($id: ID!) { updateDriver(id: $id, input: { name: "New Name" }) { id } }', {
          id: driverId,
        });
        await vi.waitFor(
          async () => expect(await inboxCount(rideDb, 'DriverUpdated.ride')).toBe(before + 1),
          {
            timeout: 10_000,
          },
        );
        return answer;
      },
    };
    const ride = await requestRide(rideDb, racing, {
      riderId: 'r-race',
      driverId,
      pickup: 'Station',
      dropoff: 'Harbour',
    });
    const stored = await rideDb.ride.findUniqueOrThrow({ where: { id: ride.id } });
    expect([stored.driverName, stored.driverVersion]).toEqual(['New Name', 2]);
  });
});
