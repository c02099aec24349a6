import type { RedisOptions } from 'bullmq';

export interface EventBusOptions {
  connection: RedisOptions;
  /** Key prefix of every queue: tests use a unique one, so they never see each other's jobs. */
  prefix: string;
}

/** Where the event bus lives: `REDIS_URL` and `EVENTS_PREFIX`, unless given. */
export function eventBus(options: { redisUrl?: string; prefix?: string } = {}): EventBusOptions {
  const url = new URL(options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  return {
    connection: {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      db: Number(url.pathname.slice(1) || 0),
      // Workers block on Redis; BullMQ requires unlimited retries per request for them.
      maxRetriesPerRequest: null,
    },
    prefix: options.prefix ?? process.env.EVENTS_PREFIX ?? 'msd',
  };
}
