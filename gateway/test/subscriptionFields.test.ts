import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entitiesNamed, eventsAbout, subscriptionFields } from '../src/subscriptions/subscriptionFields.ts';

const supergraph = readFileSync(
  fileURLToPath(new URL('../../supergraph/supergraph.graphql', import.meta.url)),
  'utf8',
);

describe('what the supergraph and the event contracts say about subscriptions', () => {
  it('answers each subscription field with the query field of its type and arguments, resolved by its graphs', () => {
    const fields = subscriptionFields(supergraph);
    expect(fields.get('orderUpdated')).toEqual({
      field: 'orderUpdated',
      queryField: 'order',
      entityType: 'Order',
      contributors: ['order', 'shipping'],
    });
    expect(fields.get('productUpdated')).toMatchObject({ queryField: 'product', entityType: 'Product' });
    expect(fields.get('productUpdated')?.contributors.sort()).toEqual(['inventory', 'product']);
  });

  it('follows every event that names an order or a product, and finds the entities it names', () => {
    expect(eventsAbout(['Order', 'Product']).sort()).toEqual(
      [
        'OrderCreated',
        'ProductCreated',
        'ProductUpdated',
        'ShipmentCreated',
        'StockRejected',
        'StockReserved',
        'StockRestocked',
      ].sort(),
    );
    const event = {
      id: 'e',
      type: 'OrderCreated' as const,
      aggregateId: 'o1',
      version: 1,
      occurredAt: new Date().toISOString(),
      payload: {
        orderId: 'o1',
        customerId: 'c',
        items: [
          { productId: 'p1', quantity: 1 },
          { productId: 'p2', quantity: 2 },
        ],
      },
    };
    expect(entitiesNamed(event, ['Order', 'Product'])).toEqual(['Order:o1', 'Product:p1', 'Product:p2']);
  });

  it('refuses a subscription field that no query field answers', () => {
    expect(() =>
      subscriptionFields(
        'type Query { a: Int } type Thing { id: ID! } type Subscription { thingUpdated(id: ID!): Thing }',
      ),
    ).toThrow(/no Query field of type Thing/);
  });
});
