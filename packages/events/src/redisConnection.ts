import type { RedisOptions } from 'bullmq';
import { developmentEventKeys, type EventKeys, eventKeys } from './eventSignature.ts';

export interface EventBusOptions {
  connection: RedisOptions;
  /** Key prefix of every queue: tests use a unique one, so they never see each other's jobs. */
  prefix: string;
  /** The event signing keys this process holds (`eventKeys(config)`; the development keys if not given). */
  keys: EventKeys;
  /**
   * The first delay of a failed event's exponential backoff, set on the jobs this process sends
   * (`deliveryOptions`: 100 ms, doubling at each of 8 attempts, 6 to 13 s in all before it is parked).
   */
  retryDelayMs?: number;
}

/**
 * Where the event bus lives (a process's `REDIS_URL` and `EVENTS_PREFIX`; the local Redis and `msd`
 * unless given) and the event signing keys the process holds (`eventKeys(config)`; the development
 * keys if not given). A `rediss://` URL connects with TLS, its host name checked against the
 * certificate.
 */
export function eventBus(
  options: { redisUrl?: string; prefix?: string; keys?: EventKeys; retryDelayMs?: number | undefined } = {},
): EventBusOptions {
  const url = new URL(options.redisUrl ?? 'redis://127.0.0.1:6379');
  return {
    connection: {
      host: url.hostname,
      port: Number(url.port || 6379),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      db: Number(url.pathname.slice(1) || 0),
      ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
      // Workers block on Redis; BullMQ requires unlimited retries per request for them.
      maxRetriesPerRequest: null,
    },
    prefix: options.prefix ?? 'msd',
    keys: options.keys ?? developmentEventKeys(),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  };
}

/**
 * The event bus of a process's parsed configuration (`processConfig` of @msd/service-kit):
 * `REDIS_URL`, `EVENTS_PREFIX`, `EVENT_RETRY_DELAY_MS` and the signing keys it holds.
 */
export function processEventBus(config: Readonly<Record<string, unknown>>): EventBusOptions {
  const text = (name: string) => (typeof config[name] === 'string' ? (config[name] as string) : undefined);
  const retryDelayMs = config.EVENT_RETRY_DELAY_MS;
  return eventBus({
    redisUrl: text('REDIS_URL'),
    prefix: text('EVENTS_PREFIX'),
    keys: eventKeys(config),
    retryDelayMs: typeof retryDelayMs === 'number' ? retryDelayMs : undefined,
  });
}

/**
 * The same connection, failing fast: no offline queue and a deadline per command, so with Redis down
 * or hung a call fails now (its caller rolls back, falls back or retries later) instead of waiting.
 */
export function failFast(connection: RedisOptions, commandTimeoutMs: number): RedisOptions {
  return {
    ...connection,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
  };
}
