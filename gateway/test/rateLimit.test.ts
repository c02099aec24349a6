import { randomUUID } from 'node:crypto';
import { createLogger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type RateLimitContext, rateLimit } from '../src/limits/rateLimit.ts';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const prefix = `test-rl-${randomUUID()}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A replica's rate limiter: the plugin as Apollo Server runs it, on the shared Redis. */
async function replica(points: number) {
  const { plugin } = rateLimit(
    { points, windowSeconds: 60 },
    { client: redis, prefix },
    createLogger('test'),
  );
  const server = await plugin.serverWillStart?.({} as never);
  const hooks = await plugin.requestDidStart?.({} as never);
  return {
    async admitted(subject: string, cost: number): Promise<boolean> {
      const contextValue: RateLimitContext = {
        caller: { subject, scopes: [] },
        clientAddress: '127.0.0.1',
        operationCost: cost,
      };
      return (await hooks?.responseForOperation?.({ contextValue } as never)) === null;
    },
    stop: () => server?.serverWillStop?.(),
  };
}
const consumedInRedis = async (subject: string) => Number(await redis.get(`${prefix}:rl:subject:${subject}`));

describe('the rate limit without a Redis round trip per request', () => {
  it('counts exactly on one replica, concurrent requests included, and Redis ends up with every admitted point', async () => {
    const one = await replica(100);
    const subject = randomUUID();
    const answers = await Promise.all(Array.from({ length: 30 }, () => one.admitted(subject, 10)));
    expect(answers.filter(Boolean)).toHaveLength(10);
    await one.stop();
    expect(await consumedInRedis(subject)).toBeGreaterThanOrEqual(100);
  });

  it('across two replicas, overspends by at most what the other admitted since its last sync', async () => {
    const [a, b] = [await replica(100), await replica(100)];
    const subject = randomUUID();
    let admitted = 0;
    for (let i = 0; i < 15; i++) {
      if (await a.admitted(subject, 10)) admitted++;
      if (await b.admitted(subject, 10)) admitted++;
    }
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(20);
    await Promise.all([a.stop(), b.stop()]);
    // Once both have sent what they admitted, the next request of the caller is refused on either.
    const c = await replica(100);
    expect(await c.admitted(subject, 10)).toBe(false);
    await c.stop();
  });
});
