import { randomUUID } from 'node:crypto';
import {
  clearEventBus,
  deliveryOptions,
  type EventEnvelope,
  type EventPayload,
  type EventType,
  eventBus,
  producerOf,
  queueName,
  signEvent,
} from '@msd/events';
import { graphqlRequest, startTestSubgraph, type TestSubgraph } from '@msd/testing';
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openShippingDatabase, type ShippingDatabase } from '../src/data/database.ts';
import { createShippingServer } from '../src/server.ts';

const bus = eventBus({ prefix: `test-${randomUUID()}` });
const queues = {
  OrderCreated: new Queue(queueName('OrderCreated', 'shipping'), {
    connection: bus.connection,
    prefix: bus.prefix,
  }),
  StockRejected: new Queue(queueName('StockRejected', 'shipping'), {
    connection: bus.connection,
    prefix: bus.prefix,
  }),
};

let shipping: TestSubgraph;
let db: ShippingDatabase;
beforeAll(async () => {
  shipping = await startTestSubgraph('shipping', (o) => createShippingServer({ ...o, events: bus }));
  db = openShippingDatabase(shipping.databaseUrl);
});
afterAll(async () => {
  await db?.$disconnect();
  await shipping?.stop();
  await Promise.all(Object.values(queues).map((q) => q.close()));
  await clearEventBus(bus);
});

const eventually = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

const envelope = <T extends EventType>(type: T, aggregateId: string, payload: EventPayload<T>) =>
  ({
    id: randomUUID(),
    type,
    aggregateId,
    version: 1,
    occurredAt: new Date().toISOString(),
    payload,
  }) satisfies EventEnvelope<T>;

const orderCreated = (orderId: string) =>
  envelope('OrderCreated', orderId, {
    orderId,
    customerId: 'c-1',
    items: [{ productId: randomUUID(), quantity: 2 }],
  });

const stockRejected = (orderId: string) =>
  envelope('StockRejected', orderId, {
    orderId,
    reason: 'Insufficient stock for 1 of 1 products',
    shortages: [{ productId: randomUUID(), requested: 2, available: 0 }],
  });

/** As the producer's relay sends it: signed with the producer's key. */
const signedByProducer = (event: EventEnvelope) => ({
  ...event,
  signature: signEvent(event, bus.keys[producerOf(event.type)!]!),
});

/** Delivers an event to shipping as the relay would, and waits until shipping has handled it. */
const deliver = async (event: EventEnvelope<'OrderCreated'> | EventEnvelope<'StockRejected'>) => {
  const job: Job = await queues[event.type].add(event.type, signedByProducer(event), {
    ...deliveryOptions,
    removeOnComplete: false,
  });
  await eventually(async () => expect(await job.getState()).toBe('completed'));
};

/** `Order.shipment` as the gateway asks for it. */
const shipmentOf = async (orderId: string) => {
  const response = await graphqlRequest(
    shipping.url,
    'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id shipment { id status } } } }',
    { r: [{ __typename: 'Order', id: orderId }] },
    { asService: 'shipping' },
  );
  expect(response.errors).toBeUndefined();
  return (response.data!._entities as { shipment: { id: string; status: string } | null }[])[0]!.shipment;
};

const shipmentCreatedEvents = (orderId: string) =>
  db.outboxEvent.findMany({
    where: { type: 'ShipmentCreated', payload: { path: ['orderId'], equals: orderId } },
  });

describe('shipping: OrderCreated', () => {
  it('creates a PENDING shipment and announces ShipmentCreated in the same transaction', async () => {
    const orderId = randomUUID();
    expect(await shipmentOf(orderId)).toBeNull();
    await deliver(orderCreated(orderId));

    const shipment = await shipmentOf(orderId);
    expect(shipment).toEqual({ id: expect.any(String), status: 'PENDING' });
    const [announced, ...more] = await shipmentCreatedEvents(orderId);
    expect(more).toEqual([]);
    expect(announced).toMatchObject({
      aggregateId: shipment!.id,
      version: 1,
      payload: { shipmentId: shipment!.id, orderId },
    });
    // The relay hands it on (nobody subscribes to ShipmentCreated yet, so it goes to no queue).
    await eventually(async () =>
      expect((await db.outboxEvent.findUnique({ where: { id: announced!.id } }))?.publishedAt).not.toBeNull(),
    );
  });

  it('creates one shipment for an order however often OrderCreated arrives', async () => {
    const orderId = randomUUID();
    const event = orderCreated(orderId);
    // The same event twice (at-least-once delivery) and a second event for the same order (a replay).
    await Promise.all([deliver(event), deliver(event), deliver({ ...event, id: randomUUID() })]);

    expect(await db.shipment.count({ where: { orderId } })).toBe(1);
    expect(await shipmentCreatedEvents(orderId)).toHaveLength(1);
    expect((await shipmentOf(orderId))?.status).toBe('PENDING');
  });
});

describe('shipping: StockRejected cancels the shipment (compensation)', () => {
  it('cancels the PENDING shipment of a rejected order', async () => {
    const orderId = randomUUID();
    await deliver(orderCreated(orderId));
    const pending = await shipmentOf(orderId);
    expect(pending?.status).toBe('PENDING');

    await deliver(stockRejected(orderId));
    expect(await shipmentOf(orderId)).toEqual({ id: pending!.id, status: 'CANCELLED' });
  });

  it('keeps the shipment CANCELLED when StockRejected arrives before OrderCreated', async () => {
    const orderId = randomUUID();
    await deliver(stockRejected(orderId));
    const cancelled = await shipmentOf(orderId);
    expect(cancelled?.status).toBe('CANCELLED');

    await deliver(orderCreated(orderId));
    expect(await shipmentOf(orderId)).toEqual({ id: cancelled!.id, status: 'CANCELLED' });
    expect(await db.shipment.count({ where: { orderId } })).toBe(1);
    expect(await shipmentCreatedEvents(orderId)).toEqual([]);
  });

  it('leaves a shipment that has already shipped as it is', async () => {
    const orderId = randomUUID();
    await deliver(orderCreated(orderId));
    await db.shipment.update({ where: { orderId }, data: { status: 'SHIPPED' } });

    await deliver(stockRejected(orderId));
    expect((await shipmentOf(orderId))?.status).toBe('SHIPPED');
  });
});

describe('shipping: a shipment’s order is its customer’s', () => {
  /** `shipment(id) { order { id } }` as the gateway sends it for a caller. */
  const orderOfShipment = async (
    shipmentId: string,
    who: { as: 'customer' | 'operator'; subject?: string },
  ) =>
    graphqlRequest<{ shipment: { order: { id: string } } | null }>(
      shipping.url,
      'query ($id: ID!) { shipment(id: $id) { order { id } } }',
      { id: shipmentId },
      { asService: 'shipping', ...who },
    );

  it('shows the order to its customer and operators; another customer gets FORBIDDEN and no order id', async () => {
    const orderId = randomUUID();
    await deliver(orderCreated(orderId));
    const { id } = (await db.shipment.findUniqueOrThrow({ where: { orderId } })) as { id: string };

    expect((await orderOfShipment(id, { as: 'customer', subject: 'c-1' })).data?.shipment).toEqual({
      order: { id: orderId },
    });
    expect((await orderOfShipment(id, { as: 'operator' })).data?.shipment).toEqual({
      order: { id: orderId },
    });
    const other = await orderOfShipment(id, { as: 'customer', subject: 'c-2' });
    expect(other.data?.shipment).toBeNull();
    expect(other.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(other)).not.toContain(orderId);
  });

  it('a shipment created by StockRejected first is the operators’ alone until OrderCreated names the customer', async () => {
    const orderId = randomUUID();
    await deliver(stockRejected(orderId));
    const { id } = (await db.shipment.findUniqueOrThrow({ where: { orderId } })) as { id: string };
    const customer = () => orderOfShipment(id, { as: 'customer', subject: 'c-1' });
    expect((await customer()).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);

    await deliver(orderCreated(orderId));
    expect((await customer()).data?.shipment).toEqual({ order: { id: orderId } });
  });
});
