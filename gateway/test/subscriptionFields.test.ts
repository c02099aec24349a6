import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventEnvelope, EventType } from '@msd/events';
import { describe, expect, it } from 'vitest';
import {
  entitiesNamed,
  entitiesWoken,
  eventsAbout,
  eventsFollowed,
  subscriptionFields,
} from '../src/subscriptions/subscriptionFields.ts';

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
      keyed: true,
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

  it('answers an id-less subscription field with the argument-less query field of its type', () => {
    expect(subscriptionFields(supergraph).get('replicationStatusUpdated')).toEqual({
      field: 'replicationStatusUpdated',
      queryField: 'replicationStatus',
      entityType: 'ReplicationStatus',
      contributors: ['order', 'ride'],
      keyed: false,
    });
  });

  it('wakes an id-less field with every event its contributors consume, and a keyed one with the events naming it', () => {
    const fields = [...subscriptionFields(supergraph).values()];
    const idLess = fields.filter((field) => !field.keyed);
    // order consumes ProductUpdated, StockReserved, StockRejected; ride consumes DriverUpdated.
    expect(eventsFollowed(idLess).sort()).toEqual(
      ['DriverUpdated', 'ProductUpdated', 'StockRejected', 'StockReserved'].sort(),
    );
    expect(eventsFollowed(fields).sort()).toEqual(
      [...new Set([...eventsAbout(['Order', 'Product']), 'DriverUpdated'])].sort(),
    );
    const event = (type: EventType, payload: Record<string, unknown>): EventEnvelope => ({
      id: 'e',
      type,
      aggregateId: 'a',
      version: 1,
      occurredAt: new Date().toISOString(),
      payload: payload as never,
    });
    expect(entitiesWoken(event('ProductUpdated', { productId: 'p1' }), fields)).toEqual([
      'Product:p1',
      'ReplicationStatus',
    ]);
    expect(entitiesWoken(event('DriverUpdated', { driverId: 'd1' }), fields)).toEqual(['ReplicationStatus']);
    // Shipping, which applies it, resolves nothing of ReplicationStatus.
    expect(entitiesWoken(event('ShipmentCreated', { shipmentId: 's', orderId: 'o1' }), fields)).toEqual([
      'Order:o1',
    ]);
  });

  it('refuses a subscription field that no query field answers', () => {
    expect(() =>
      subscriptionFields(
        'type Query { a: Int } type Thing { id: ID! } type Subscription { thingUpdated(id: ID!): Thing }',
      ),
    ).toThrow(/no Query field of type Thing/);
    // Neither an `id` nor an argument-less query field to answer it.
    expect(() =>
      subscriptionFields(
        'type Query { thing(id: ID!): Thing } type Thing { id: ID! } type Subscription { thingUpdated: Thing }',
      ),
    ).toThrow(/no Query field of type Thing with the arguments \(\)/);
    expect(() =>
      subscriptionFields(
        'type Query { thing(kind: String): Thing } type Thing { id: ID! } type Subscription { thingUpdated(kind: String): Thing }',
      ),
    ).toThrow(/no Query field of type Thing with the arguments \(kind\)/);
  });
});
