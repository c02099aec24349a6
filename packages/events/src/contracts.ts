import { z } from 'zod';

/**
 * The event contracts, in one place: every publisher builds its payloads from these types and
 * every consumer validates what it receives against them. A payload that does not match is
 * parked, never half-applied.
 */
export const eventPayloads = {
  ProductCreated: z.object({
    productId: z.uuid(),
    sku: z.string(),
    name: z.string().min(1),
    price: z.number(),
  }),
  ProductUpdated: z.object({
    productId: z.uuid(),
    name: z.string().min(1),
    description: z.string().nullable(),
    price: z.number(),
  }),
  DriverUpdated: z.object({
    driverId: z.uuid(),
    name: z.string().min(1),
    rating: z.number(),
    ratingCount: z.int(),
  }),
  OrderCreated: z.object({
    orderId: z.uuid(),
    customerId: z.string(),
    items: z.array(z.object({ productId: z.uuid(), quantity: z.int().positive() })).min(1),
  }),
  StockReserved: z.object({ orderId: z.uuid() }),
  StockRejected: z.object({
    orderId: z.uuid(),
    reason: z.string(),
    shortages: z.array(z.object({ productId: z.uuid(), requested: z.int(), available: z.int() })),
  }),
  /** A restock committed: `added` units, `stock` on hand after it. */
  StockRestocked: z.object({ productId: z.uuid(), added: z.int().positive(), stock: z.int().nonnegative() }),
  ShipmentCreated: z.object({ shipmentId: z.uuid(), orderId: z.uuid() }),
  RideCompleted: z.object({ rideId: z.uuid(), riderId: z.string().min(1), driverId: z.uuid() }),
} as const;

export type EventType = keyof typeof eventPayloads;

/**
 * Events that announce a change of one entity, by the entity's type: the event's `aggregateId` is
 * that entity's `@key` id. Whoever keeps entities of that type (the gateway's entity cache) drops
 * the one named when the event arrives.
 */
export const entityUpdates: Partial<Record<EventType, string>> = {
  ProductUpdated: 'Product',
  DriverUpdated: 'Driver',
};
export type EventPayload<T extends EventType> = z.infer<(typeof eventPayloads)[T]>;

/** What travels: the payload plus what consumers need to apply it exactly once and in order. */
export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  /** Id of the entity the event is about (product, driver, order, ...). */
  aggregateId: string;
  /** The aggregate's version after the change: consumers apply only newer versions. */
  version: number;
  /** ISO-8601 time of the owner's commit (database clock), the start of the propagation lag. */
  occurredAt: string;
  payload: EventPayload<T>;
  /** The producer's signature (`signEvent`), kept so that an event handed on can be verified again. */
  signature?: string;
}

const envelope = z.object({
  id: z.uuid(),
  type: z.enum(Object.keys(eventPayloads) as [EventType, ...EventType[]]),
  aggregateId: z.string().min(1),
  version: z.int().nonnegative(),
  occurredAt: z.iso.datetime({ offset: true }),
  payload: z.unknown(),
  signature: z.string().optional(),
});

/** Thrown for data that is not a valid event: retrying cannot help, so it is parked at once. */
export class MalformedEvent extends Error {}

/** Validates an envelope and its payload against the contract of the expected type. */
export function parseEvent<T extends EventType>(data: unknown, expected: T): EventEnvelope<T> {
  const parsed = envelope.safeParse(data);
  if (!parsed.success) throw new MalformedEvent(`Malformed event envelope: ${z.prettifyError(parsed.error)}`);
  if (parsed.data.type !== expected)
    throw new MalformedEvent(`Expected a ${expected} event, got ${parsed.data.type}`);
  const payload = eventPayloads[expected].safeParse(parsed.data.payload);
  if (!payload.success)
    throw new MalformedEvent(`Malformed ${expected} payload: ${z.prettifyError(payload.error)}`);
  return { ...parsed.data, type: expected, payload: payload.data } as EventEnvelope<T>;
}
