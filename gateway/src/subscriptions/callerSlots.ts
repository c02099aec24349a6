import type { Logger } from '@msd/service-kit';
import type { Redis } from 'ioredis';

/** How long a slot stays held in Redis without its replica renewing it (a replica that died). */
export const SLOT_LEASE_MS = 30_000;

/**
 * Takes a slot when the caller holds fewer than the limit. One sorted set per caller: a member per
 * open subscription, scored with the end of its lease on Redis' clock (so replicas' clocks do not
 * matter); lapsed leases are dropped first.
 */
const TAKE = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Extends the leases of a caller's open subscriptions (adding back any that Redis lost). */
const RENEW = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`;

type SlotRedis = Redis & {
  takeSubscriptionSlot(key: string, limit: number, leaseMs: number, member: string): Promise<number>;
  renewSubscriptionSlots(key: string, leaseMs: number, ...members: string[]): Promise<number>;
};

/**
 * Subscriptions held per caller, counted across every gateway replica in Redis. Each replica renews
 * the leases of its own subscriptions every third of a lease (`SLOT_LEASE_MS`); the slots of a replica that
 * dies lapse within one lease, and slots that Redis loses come back at the next renewal.
 * Redis down or slow (fail-fast client): a replica counts its own subscriptions only, so the limit
 * holds per replica meanwhile (logged), and the subscription is never refused for the outage.
 */
export function callerSlots(options: {
  limit: number;
  redis?: { client: Redis; prefix: string } | undefined;
  logger: Logger;
  leaseMs?: number;
}) {
  const lease = options.leaseMs ?? SLOT_LEASE_MS;
  const held = new Map<string, Set<string>>();
  const client = options.redis?.client;
  if (client && !('takeSubscriptionSlot' in client)) {
    client.defineCommand('takeSubscriptionSlot', { numberOfKeys: 1, lua: TAKE });
    client.defineCommand('renewSubscriptionSlots', { numberOfKeys: 1, lua: RENEW });
  }
  const redis = client as SlotRedis | undefined;
  const keyOf = (caller: string) => `${options.redis?.prefix}:gateway:subscription-slots:${caller}`;
  let warned = 0;
  const outage = (error: unknown) => {
    if (Date.now() - warned < 60_000) return;
    warned = Date.now();
    options.logger.warn('subscriptions per caller are counted on this replica only: Redis does not answer', {
      error,
    });
  };

  const renew = setInterval(() => {
    if (!redis) return;
    for (const [caller, ids] of held)
      redis.renewSubscriptionSlots(keyOf(caller), lease, ...ids).catch(outage);
  }, lease / 3);
  renew.unref();

  return {
    limit: options.limit,
    /** Takes a slot for subscription `id` of `caller`; false when the caller holds the limit already. */
    async take(caller: string, id: string): Promise<boolean> {
      const mine = held.get(caller) ?? new Set<string>();
      if (mine.size >= options.limit) return false;
      // Held here before Redis answers, so a burst on this replica cannot pass the limit either.
      held.set(caller, mine.add(id));
      if (!redis) return true;
      const taken = await redis
        .takeSubscriptionSlot(keyOf(caller), options.limit, lease, id)
        .then((answer) => answer === 1)
        .catch((error: unknown) => {
          outage(error);
          return true;
        });
      if (!taken) release(caller, id, false);
      return taken;
    },
    release: (caller: string, id: string) => release(caller, id, true),
    close() {
      clearInterval(renew);
    },
  };

  function release(caller: string, id: string, inRedis: boolean) {
    const mine = held.get(caller);
    if (!mine?.delete(id)) return;
    if (mine.size === 0) held.delete(caller);
    if (inRedis) redis?.zrem(keyOf(caller), id).catch(outage); // else its lease lapses
  }
}

export type CallerSlots = ReturnType<typeof callerSlots>;
