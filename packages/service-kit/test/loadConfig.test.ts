import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, processConfig, serviceUrls } from '../src/index.ts';

/** The problems `loadConfig` reports for an environment, one line per variable at fault. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(processConfig('order'), env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('names every bad variable with what was expected and the value given', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DATABASE_POOL_MAX: '0',
      REDIS_URL: 'http://127.0.0.1:6379',
      LOG_LEVEL: 'loud',
      OUTBOX_RETENTION_MS: '1.5',
      PRODUCT_URL: 'not a url',
    });
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'DATABASE_POOL_MAX',
      'LOG_LEVEL',
      'OUTBOX_RETENTION_MS',
      'PORT',
      'PRODUCT_URL',
      'REDIS_URL',
    ]);
    expect(problems.find((problem) => problem.startsWith('PORT'))).toMatch(/expected number.*\(got "abc"\)/);
    expect(problems.find((problem) => problem.startsWith('DATABASE_POOL_MAX'))).toMatch(/>=1.*\(got "0"\)/);
  });

  it('requires a real service credential in production, and never echoes a secret', () => {
    // The order service signs OrderCreated and verifies product's and inventory's events.
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      'SERVICE_TOKEN: is required in production (the development default is no secret) (not set)',
      ...['product', 'order', 'inventory'].map(
        (producer) =>
          `${producer.toUpperCase()}_EVENT_KEY: is required in production (the key ${producer}'s events are signed with) (not set)`,
      ),
    ]);
    const [short] = problemsOf({ NODE_ENV: 'production', SERVICE_TOKEN: 'hunter2' });
    expect(short).toBe('SERVICE_TOKEN: must be at least 16 characters in production');
  });

  it('applies the defaults, coerces numbers, and counts an empty value as unset', () => {
    const config = loadConfig(processConfig('order'), { PORT: '', DATABASE_POOL_MAX: '12', ORDER_URL: '' });
    expect(config.PORT).toBe(4002);
    expect(config.DATABASE_POOL_MAX).toBe(12);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(serviceUrls(config).order).toBe('http://127.0.0.1:4002/graphql');
    expect(serviceUrls({ ...config, PRODUCT_URL: 'http://product:4001/graphql' }).product).toBe(
      'http://product:4001/graphql',
    );
  });
});
