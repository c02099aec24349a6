import { randomUUID } from 'node:crypto';
import { appendToGatewayStream, clearEventBus, type EventEnvelope, eventBus, signEvent } from '@msd/events';
import { createLogger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { replicaFanOut } from '../src/subscriptions/replicaFanOut.ts';

const bus = eventBus({ prefix: `test-fanout-${randomUUID()}` });
const redis = new Redis(bus.connection);
afterAll(async () => {
  redis.disconnect();
  await clearEventBus(bus);
});

/** A signed OrderCreated, as a relay appends it to the gateway's stream. */
async function appended(): Promise<string> {
  const orderId = randomUUID();
  const event: EventEnvelope = {
    id: randomUUID(),
    type: 'OrderCreated',
    aggregateId: orderId,
    version: 1,
    occurredAt: new Date().toISOString(),
    payload: { orderId, customerId: 'customer-001', items: [{ productId: randomUUID(), quantity: 1 }] },
  };
  await appendToGatewayStream(redis, bus.prefix, { ...event, signature: signEvent(event, bus.keys.order!) });
  return event.id;
}

describe("a gateway replica's reader of the events stream", () => {
  it('reads nothing while the replica has no subscription; once one starts, it reads the window before it and what follows, each event once', async () => {
    const delivered: string[] = [];
    let subscriptions = 0;
    const reader = replicaFanOut(bus, createLogger('test')).reader((event) => delivered.push(event.id), {
      listening: () => subscriptions > 0,
      catchUpMs: 30_000,
    });
    await reader.start();
    try {
      const before = [await appended(), await appended()];
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(delivered).toEqual([]); // not listening: nothing read

      subscriptions = 1;
      reader.wake();
      await vi.waitFor(() => expect(delivered).toEqual(before), { timeout: 5_000 });
      const after = await appended();
      await vi.waitFor(() => expect(delivered).toEqual([...before, after]), { timeout: 5_000 });

      // The last subscription ends; a new one reads the window again, without delivering twice.
      subscriptions = 0;
      const meanwhile = await appended();
      subscriptions = 1;
      reader.wake();
      await vi.waitFor(() => expect(delivered).toEqual([...before, after, meanwhile]), { timeout: 7_000 });
    } finally {
      await reader.stop();
    }
  });
});
