import { describe, expect, it } from 'vitest';
import { entityCacheConfig } from '../src/cache/entityCache.ts';
import { resilienceConfig } from '../src/resilience/subgraphResilience.ts';

describe('how the gateway calls a subgraph, from the environment it is given', () => {
  it('takes a subgraph’s own setting over the common one over the default; collapsing is on unless turned off', () => {
    const env = {
      SUBGRAPH_TIMEOUT_MS: '800',
      SUBGRAPH_ORDER_TIMEOUT_MS: '300',
      SUBGRAPH_ORDER_COLLAPSE: 'off',
    };
    expect(resilienceConfig('order', env)).toEqual({
      timeoutMs: 300,
      retries: 1,
      breakerFailures: 5,
      halfOpenAfterMs: 5_000,
      collapse: false,
    });
    expect(resilienceConfig('product', env)).toMatchObject({ timeoutMs: 800, collapse: true });
    expect(resilienceConfig('coordinator', {})).toMatchObject({ timeoutMs: 15_000 });
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => resilienceConfig('order', { SUBGRAPH_ORDER_RETRIES: 'two' })).toThrow(
      /SUBGRAPH_ORDER_RETRIES/,
    );
    expect(() => resilienceConfig('order', { SUBGRAPH_TIMEOUT_MS: '-1' })).toThrow(/SUBGRAPH_TIMEOUT_MS/);
    expect(() => resilienceConfig('order', { SUBGRAPH_COLLAPSE: 'yes' })).toThrow(/SUBGRAPH_COLLAPSE/);
    expect(() => entityCacheConfig({ ENTITY_CACHE_TTL_DRIVER: 'abc' })).toThrow(/ENTITY_CACHE_TTL_DRIVER/);
  });

  it('reads the entity cache’s types and times to live', () => {
    expect(entityCacheConfig({ ENTITY_CACHE: 'off' })).toBeUndefined();
    expect(entityCacheConfig({ ENTITY_CACHE_TYPES: 'Driver:driver', ENTITY_CACHE_TTL: '30' })).toEqual({
      types: { Driver: { subgraph: 'driver', ttlSeconds: 30 } },
    });
  });
});
