import { randomUUID } from 'node:crypto';
import { failFast } from '@msd/events';
import { createLogger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { callerSlots } from '../src/subscriptions/callerSlots.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `test-slots-${randomUUID()}`;
const logger = createLogger('test');
const leaseMs = 600;
const opened: { close(): void }[] = [];
afterAll(async () => {
  for (const slots of opened) slots.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A gateway replica's count of subscriptions per caller, on the shared Redis. */
function replica(client: Redis = redis) {
  const slots = callerSlots({ limit: 2, redis: { client, prefix }, logger, leaseMs });
  opened.push(slots);
  return slots;
}
const until = async (check: () => Promise<boolean>) => {
  for (let tries = 0; !(await check()); tries++) {
    if (tries > 100) throw new Error('never');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('subscriptions per caller, across gateway replicas', () => {
  it('counts a caller on every replica together, and a closed subscription frees its slot everywhere', async () => {
    const [one, two] = [replica(), replica()];
    const caller = `subject:${randomUUID()}`;
    expect(await one.take(caller, 'a')).toBe(true);
    expect(await two.take(caller, 'b')).toBe(true);
    expect(await one.take(caller, 'c')).toBe(false);
    expect(await two.take(caller, 'c')).toBe(false);
    expect(await one.take(`subject:${randomUUID()}`, 'd')).toBe(true); // another caller
    one.release(caller, 'a');
    await until(() => two.take(caller, 'c'));
  });

  it('keeps the count when Redis loses the slots: the replicas put them back', async () => {
    const one = replica();
    const caller = `subject:${randomUUID()}`;
    expect(await one.take(caller, 'a')).toBe(true);
    expect(await one.take(caller, 'b')).toBe(true);
    await redis.del(`${prefix}:gateway:subscription-slots:${caller}`);
    await until(async () => (await redis.zcard(`${prefix}:gateway:subscription-slots:${caller}`)) === 2);
    expect(await replica().take(caller, 'c')).toBe(false);
  });

  it('frees the slots of a replica that died once their lease lapses', async () => {
    const dead = replica();
    const caller = `subject:${randomUUID()}`;
    expect(await dead.take(caller, 'a')).toBe(true);
    expect(await dead.take(caller, 'b')).toBe(true);
    dead.close(); // renews no more, as a killed process
    const alive = replica();
    expect(await alive.take(caller, 'c')).toBe(false);
    await until(() => alive.take(caller, 'c'));
  });

  it('with Redis down, counts on the replica alone and never refuses for the outage', async () => {
    const down = new Redis({ ...failFast({ host: '127.0.0.1', port: 1 }, 200), lazyConnect: true });
    down.on('error', () => {});
    const slots = replica(down);
    const caller = `subject:${randomUUID()}`;
    expect(await slots.take(caller, 'a')).toBe(true);
    expect(await slots.take(caller, 'b')).toBe(true);
    expect(await slots.take(caller, 'c')).toBe(false);
    slots.release(caller, 'a');
    expect(await slots.take(caller, 'c')).toBe(true);
    down.disconnect();
  });
});
