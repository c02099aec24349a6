import { ConfigError, loadConfig } from '@msd/service-kit';
import { describe, expect, it } from 'vitest';
import { gatewayEnvironment, gatewaySettings } from '../src/gatewayConfig.ts';

const settings = (env: NodeJS.ProcessEnv) => gatewaySettings(loadConfig(gatewayEnvironment, env));
const problems = (env: NodeJS.ProcessEnv) => {
  try {
    settings(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('the gateway configuration', () => {
  it('stops at a bad value, naming the variable, instead of falling back', () => {
    expect(problems({ ADMIN_PORT: 'abc' })).toEqual([expect.stringMatching(/^ADMIN_PORT: .*"abc"/)]);
    expect(problems({ LIMIT_MAX_DEPTH: '-1', RATE_LIMIT_POINTS: '1e' })).toEqual([
      expect.stringMatching(/^LIMIT_MAX_DEPTH:/),
      expect.stringMatching(/^RATE_LIMIT_POINTS:/),
    ]);
    expect(problems({ SUBGRAPH_DRIVER_TIMEOUT_MS: 'soon' })).toEqual([
      expect.stringMatching(/^SUBGRAPH_DRIVER_TIMEOUT_MS:/),
    ]);
    expect(problems({ TRUST_PROXY: 'yes' })).toEqual([expect.stringMatching(/^TRUST_PROXY:/)]);
    expect(problems({ ENTITY_CACHE_TYPES: 'Ride:ride', ENTITY_CACHE_TTL_RIDE: 'long' })).toEqual([
      expect.stringMatching(/^ENTITY_CACHE_TTL_RIDE:/),
    ]);
    expect(problems({ GATEWAY_WORKERS: '0' })).toEqual([expect.stringMatching(/^GATEWAY_WORKERS:/)]);
    expect(problems({ SUBGRAPH_ORDER_COLLAPSE: 'maybe' })).toEqual([
      expect.stringMatching(/^SUBGRAPH_ORDER_COLLAPSE:/),
    ]);
    expect(problems({ CONSISTENCY_TOKEN_TTL_MS: '0' })).toEqual([
      expect.stringMatching(/^CONSISTENCY_TOKEN_TTL_MS:/),
    ]);
  });

  it('hands down typed options: defaults, and each variable where set', () => {
    const defaults = settings({});
    expect(defaults).toMatchObject({
      production: false,
      trustProxy: false,
      introspection: true,
      sandboxRole: 'operator',
      corsOrigins: ['http://localhost:5173'],
      limits: { maxDepth: 8, maxCost: 25_000, maxTokens: 5_000 },
      rateLimit: { points: 250_000, windowSeconds: 10 },
      entityCache: { enabled: true, types: { Driver: { subgraph: 'driver', ttlSeconds: 60 } } },
      resilience: { driver: {} },
      consistencyTokens: { ttlMs: 60_000, maxEntries: 32 },
      passThrough: true,
    });
    expect(defaults).not.toHaveProperty('adminPort');
    const given = settings({
      ADMIN_PORT: '9400',
      TRUST_PROXY: 'true',
      RATE_LIMIT: 'off',
      ENTITY_CACHE_TTL: '30',
      ENTITY_CACHE_TTL_DRIVER: '5',
      SUBGRAPH_TIMEOUT_MS: '800',
      SUBGRAPH_DRIVER_TIMEOUT_MS: '300',
      SUBGRAPH_ORDER_COLLAPSE: 'off',
      ORDER_URL: 'http://order.internal:4002/graphql',
      CONSISTENCY_TOKEN_KEY: 'a key every replica of this gateway shares',
      CONSISTENCY_TOKEN_TTL_MS: '5000',
      PASS_THROUGH: 'off',
    });
    expect(given).toMatchObject({
      adminPort: 9400,
      trustProxy: true,
      rateLimit: false,
      entityCache: { types: { Driver: { ttlSeconds: 5 }, Product: { ttlSeconds: 30 } } },
      resilience: { driver: { timeoutMs: 300 }, order: { timeoutMs: 800, collapse: false } },
      subgraphUrls: { order: 'http://order.internal:4002/graphql' },
      consistencyTokens: { key: 'a key every replica of this gateway shares', ttlMs: 5_000, maxEntries: 32 },
      passThrough: false,
    });
  });
});
