import { Redis } from 'ioredis';
import type { EventBusOptions } from './redisConnection.ts';

/** Deletes every key under a test's queue prefix, so test runs leave Redis as they found it. */
export async function clearEventBus(bus: EventBusOptions): Promise<void> {
  const redis = new Redis({ ...bus.connection, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${bus.prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
