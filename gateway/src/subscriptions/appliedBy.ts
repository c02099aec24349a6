import { type EventBusOptions, type EventType, queueName, type Subscriber } from '@msd/events';
import { Queue } from 'bullmq';

const PENDING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Waits until services have applied an event: an event reaches the gateway when it reaches the
 * services that apply it (StockReserved: the order service sets CONFIRMED), so a payload read at
 * once may come before the change. Each consumer's job carries the event id and leaves its queue
 * when applied (or parked), so the event is applied once no job of that id waits or runs in any of
 * the services' queues. Gives up after `timeoutMs` (a consumer down: the payload is read then).
 */
export function appliedBy(bus: EventBusOptions, options: { pollMs?: number; timeoutMs?: number } = {}) {
  const queues = new Map<string, Queue>();
  const queueOf = (event: EventType, service: Subscriber) => {
    const name = queueName(event, service);
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: { ...bus.connection, maxRetriesPerRequest: 1 },
        prefix: bus.prefix,
      });
      queue.on('error', () => {}); // Redis down: the wait ends at its deadline
      queues.set(name, queue);
    }
    return queue;
  };
  return {
    async wait(event: { id: string; type: EventType }, services: readonly Subscriber[]): Promise<void> {
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      for (const service of services) {
        const queue = queueOf(event.type, service);
        while (Date.now() < deadline) {
          const state = await queue.getJobState(event.id).catch(() => 'unknown');
          if (!PENDING.has(state)) break;
          await new Promise((done) => setTimeout(done, options.pollMs ?? 25));
        }
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      queues.clear();
    },
  };
}
