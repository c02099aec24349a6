import { createHash } from 'node:crypto';
import { type EventBusOptions, failFast } from '@msd/events';
import { type Logger, metrics } from '@msd/service-kit';
import { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { entityKey, type Representation } from './entityKey.ts';

export interface EntityCacheConfig {
  /**
   * Entity types served from the cache: the subgraph whose answers are cached (the owner, whose
   * update event invalidates them; other subgraphs' fields of the type, like inventory's
   * `Product.stock`, change without that event and are never cached) and the time to live.
   */
  types: Record<string, { subgraph: string; ttlSeconds: number }>;
}

/**
 * The cache settings from `env` (the entry point's environment): `ENTITY_CACHE=off` turns the cache
 * off; `ENTITY_CACHE_TYPES=Driver:driver,Product:product` (type:owner subgraph, the default);
 * `ENTITY_CACHE_TTL_DRIVER=60` or `ENTITY_CACHE_TTL=60` seconds. A bad TTL throws, naming the variable.
 */
export function entityCacheConfig(env: Record<string, string | undefined>): EntityCacheConfig | undefined {
  if (env.ENTITY_CACHE === 'off') return undefined;
  const entries = (env.ENTITY_CACHE_TYPES ?? 'Driver:driver,Product:product')
    .split(',')
    .filter((e) => e.includes(':'));
  return {
    types: Object.fromEntries(
      entries.map((entry) => {
        const [type = '', subgraph = ''] = entry.split(':').map((part) => part.trim());
        const specific = `ENTITY_CACHE_TTL_${type.toUpperCase()}`;
        const variable = env[specific] === undefined ? 'ENTITY_CACHE_TTL' : specific;
        const value = env[variable] ?? '60';
        const ttl = Number(value);
        if (value.trim() === '' || !Number.isInteger(ttl) || ttl < 0)
          throw new Error(`${variable} must be a whole number of seconds (0 or more), got "${value}"`);
        return [type, { subgraph, ttlSeconds: ttl }];
      }),
    ),
  };
}

const lookups = new Counter({
  name: 'entity_cache_lookups_total',
  help: 'Entity representations looked up in the gateway cache, by type and result (hit or miss)',
  labelNames: ['type', 'result'] as const,
  registers: [metrics],
});
const invalidations = new Counter({
  name: 'entity_cache_invalidations_total',
  help: 'Cached entities dropped because an update event for them was processed',
  labelNames: ['type'] as const,
  registers: [metrics],
});

export type { Representation } from './entityKey.ts';

export interface Lookup {
  hit: unknown;
  /** The entity's invalidation generation when it was read: a store only lands if it is unchanged. */
  generation: string;
}

// Writes only when no invalidation happened since the read: a response fetched before an update
// event must not be cached after the event dropped the entry.
const STORE = `
if (redis.call('HGET', KEYS[1], '_gen') or '') == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return 0`;
// Drops every cached selection of the entity and leaves a new generation behind as a tombstone.
const INVALIDATE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '_gen', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 0`;

/**
 * A Redis cache of entities fetched through `_entities`, one hash per entity (`ec:Driver:<id>`)
 * with one field per selection the gateway asked for. Invalidation by id is one command, whatever
 * the selections. Redis trouble never fails a request: the cache then reports misses and stores
 * nothing, and the subgraph answers.
 */
export function createEntityCache(config: EntityCacheConfig, bus: EventBusOptions, logger: Logger) {
  const redis = new Redis({
    ...failFast(bus.connection, 500),
    keyPrefix: `${bus.prefix}:ec:`,
    lazyConnect: true,
  });
  let warned = 0;
  redis.on('error', (error) => {
    if (warned++ % 100 === 0)
      logger.warn('entity cache: Redis unavailable, serving from subgraphs', { error });
  });
  redis.connect().catch(() => {});

  // Sent by hash (EVALSHA), not as script text with every call.
  redis.defineCommand('storeEntity', { numberOfKeys: 1, lua: STORE });
  redis.defineCommand('invalidateEntity', { numberOfKeys: 1, lua: INVALIDATE });
  const scripts = redis as Redis & {
    storeEntity(key: string, generation: string, field: string, value: string, ttl: number): Promise<unknown>;
    invalidateEntity(key: string, generation: string, ttl: number): Promise<unknown>;
  };
  const keyOf = entityKey;
  // One increment per type and result per lookup, not one per representation.
  const countLookups = (reps: Representation[], hit: (i: number) => boolean) => {
    const counts = new Map<string, number>();
    for (const [i, rep] of reps.entries()) {
      const label = `${rep.__typename}\0${hit(i) ? 'hit' : 'miss'}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    for (const [label, count] of counts) {
      const [type = '', result = ''] = label.split('\0');
      lookups.inc({ type, result }, count);
    }
  };

  return {
    /** The entity's identity: type and key fields. */
    keyOf,

    caches: (subgraph: string, typename: string) => config.types[typename]?.subgraph === subgraph,

    /**
     * One field per selection: the fetch's query text identifies what was selected, and `variant`
     * whose answer it is (empty for an answer shared by all callers, the caller's identity otherwise).
     */
    selectionOf: (query: string, variant = '') =>
      createHash('sha1').update(query).update('\0').update(variant).digest('base64url'),

    async lookup(reps: Representation[], selection: string): Promise<Lookup[]> {
      try {
        const pipeline = redis.pipeline();
        for (const rep of reps) pipeline.hmget(keyOf(rep), selection, '_gen');
        const results = (await pipeline.exec()) ?? [];
        const found = reps.map((_, i) => {
          const [cached, generation] = (results[i]?.[1] as (string | null)[] | undefined) ?? [null, null];
          return { hit: cached ? JSON.parse(cached) : undefined, generation: generation ?? '' };
        });
        countLookups(reps, (i) => found[i]?.hit !== undefined);
        return found;
      } catch {
        countLookups(reps, () => false);
        return reps.map(() => ({ hit: undefined, generation: '' }));
      }
    },

    async store(entries: { rep: Representation; generation: string; entity: unknown }[], selection: string) {
      try {
        await Promise.all(
          entries.map(({ rep, generation, entity }) =>
            scripts.storeEntity(
              keyOf(rep),
              generation,
              selection,
              JSON.stringify(entity),
              config.types[rep.__typename]?.ttlSeconds ?? 60,
            ),
          ),
        );
      } catch {
        // Not cached this time; the next read fetches it again.
      }
    },

    async invalidate(typename: string, id: string): Promise<void> {
      // Throws when Redis is unreachable, so the event is retried rather than lost.
      await scripts.invalidateEntity(keyOf({ __typename: typename, id }), crypto.randomUUID(), 24 * 3600);
      invalidations.inc({ type: typename });
    },

    close: () =>
      redis.quit().then(
        () => undefined,
        () => redis.disconnect(),
      ),
  };
}

export type EntityCache = ReturnType<typeof createEntityCache>;
