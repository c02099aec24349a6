import { queueName } from '@msd/events';
import { graphqlRequest } from '@msd/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

let federation: TestFederation;
let productIds: string[];
let invalidations: Queue;

beforeAll(async () => {
  federation = await startTestFederation({ events: true, coordinator: true });
  ({ productIds } = await seedOrders(
    federation.gatewayUrl,
    { products: 2, orders: 4, itemsPerOrder: 2 },
    'Cached',
  ));
  invalidations = new Queue(queueName('ProductUpdated', 'gateway'), federation.bus!);
}, 120_000);
afterAll(async () => {
  await invalidations?.close();
  await federation?.stop();
});

/** Product names as the gateway serves them inside orders: entity fetches, through the cache. */
async function servedNames(productId: string) {
  const { data } = await graphqlRequest<{ orders: { items: { product: { id: string; name: string } }[] }[] }>(
    federation.gatewayUrl,
    '{ orders { items { product { id name } } } }',
    {},
    { as: 'operator' },
  );
  return new Set(
    data!.orders
      .flatMap((o) => o.items.map((i) => i.product))
      .filter((p) => p.id === productId)
      .map((p) => p.name),
  );
}

const rename = (id: string, name: string, consistency: 'STRONG' | 'EVENTUAL') =>
  graphqlRequest(
    federation.gatewayUrl,
    'mutation ($id: ID!, $name: String!, $c: Consistency!) { renameProduct(id: $id, name: $name, consistency: $c) { id } }',
    {
      id,
      name,
      c: consistency,
    },
    { as: 'operator' },
  );

describe('renames and the gateway entity cache', () => {
  it('a STRONG rename is read back at once, even before the gateway processes its event (the coordinator names the changed entity in its answer); an EVENTUAL one once it has', async () => {
    const [strongId, eventualId] = productIds as [string, string];
    expect(await servedNames(strongId)).toEqual(new Set(['Cached 0'])); // now cached
    expect(await servedNames(eventualId)).toEqual(new Set(['Cached 1']));
    await invalidations.pause(); // the gateway's invalidation events wait

    const strong = await rename(strongId, 'Strong name', 'STRONG');
    expect(strong.errors).toBeUndefined();
    // The coordinator told the gateway what changed (extensions.invalidation); the client never sees that.
    expect(strong.extensions?.invalidation).toBeUndefined();
    expect(await servedNames(strongId)).toEqual(new Set(['Strong name']));

    expect((await rename(eventualId, 'Eventual name', 'EVENTUAL')).errors).toBeUndefined();
    expect(await servedNames(eventualId)).toEqual(new Set(['Cached 1'])); // eventual: the cache still has it

    await invalidations.resume();
    await vi.waitFor(async () => expect(await servedNames(eventualId)).toEqual(new Set(['Eventual name'])), {
      timeout: 5_000,
    });
  });
});
