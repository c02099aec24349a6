import { processes } from '@msd/registry';
import { type EventType, eventPayloads } from './contracts.ts';
import { streamedToGateway } from './gatewayStream.ts';

/** A process that consumes events: a service or the gateway, as named in the registry. */
export type Subscriber = (typeof processes)[number]['name'];

/**
 * Who receives what from a queue, read from the registry's `consumes`. Each (event, subscriber)
 * pair is its own BullMQ queue, so a slow or failing subscriber never holds back another, and each
 * keeps its own retries and DLQ. The events the gateway follows only for subscriptions reach it on
 * its stream instead (`streamedToGateway`).
 */
export const subscriptions = {} as Record<EventType, readonly Subscriber[]>;
for (const event of Object.keys(eventPayloads) as EventType[]) {
  subscriptions[event] = processes
    .filter((entry) => (entry.consumes as readonly string[]).includes(event))
    .map((entry) => entry.name)
    .filter((name) => !(name === 'gateway' && streamedToGateway.has(event)));
}

// A registry entry naming an event without a contract is a typo that would consume nothing.
for (const entry of processes) {
  for (const event of [...entry.publishes, ...entry.consumes]) {
    if (!(event in eventPayloads))
      throw new Error(`The registry's ${entry.name} names "${event}", which has no event contract`);
  }
}

/** `ProductUpdated.order`: the queue through which `order` receives `ProductUpdated`. */
export function queueName(event: EventType, subscriber: Subscriber): string {
  return `${event}.${subscriber}`;
}
