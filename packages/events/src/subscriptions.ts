import type { EventType } from './contracts.ts';

export type Subscriber = 'product' | 'order' | 'inventory' | 'shipping' | 'driver' | 'ride' | 'gateway';

/**
 * Who receives what, declared once. Each (event, subscriber) pair is its own BullMQ queue, so a
 * slow or failing subscriber never holds back another, and each keeps its own retries and DLQ.
 */
export const subscriptions: Record<EventType, readonly Subscriber[]> = {
  ProductCreated: ['inventory'],
  ProductUpdated: ['order', 'gateway'],
  DriverUpdated: ['ride', 'gateway'],
  OrderCreated: ['inventory', 'shipping'],
  StockReserved: ['order'],
  StockRejected: ['order', 'shipping'],
  ShipmentCreated: [],
};

/** `ProductUpdated.order`: the queue through which `order` receives `ProductUpdated`. */
export function queueName(event: EventType, subscriber: Subscriber): string {
  return `${event}.${subscriber}`;
}

/** Every queue a subscriber consumes. */
export function queuesOf(subscriber: Subscriber): { event: EventType; queue: string }[] {
  return (Object.entries(subscriptions) as [EventType, readonly Subscriber[]][])
    .filter(([, subscribers]) => subscribers.includes(subscriber))
    .map(([event]) => ({ event, queue: queueName(event, subscriber) }));
}
