import { createLogger } from '@msd/service-kit';
import { describe, expect, it } from 'vitest';
import { consistencyTokenConfig, consistencyTokens } from '../src/consistency/consistencyTokens.ts';

const logger = createLogger('gateway-test');
const config = { key: 'a key of at least thirty-two characters, for tests', ttlMs: 60_000, maxEntries: 3 };
const tokens = consistencyTokens(config, logger);
const written = (key: string, version: number) => ({ key, version });

describe('consistency tokens', () => {
  it('round-trips what was written, and merges keeping the newest version per aggregate', () => {
    const first = tokens.issue([], [written('product:a', 2), written('driver:b', 5)]);
    const read = tokens.read(first);
    expect(read.required).toEqual([written('product:a', 2), written('driver:b', 5)]);
    const merged = tokens.read(tokens.issue(read.entries, [written('product:a', 3)])).required;
    expect(merged).toContainEqual(written('product:a', 3));
    expect(merged).toContainEqual(written('driver:b', 5));
    expect(merged).toHaveLength(2);
  });

  it('keeps at most maxEntries, dropping the oldest writes', () => {
    let token = tokens.issue([], [written('product:1', 1)]);
    for (const id of ['2', '3', '4'])
      token = tokens.issue(tokens.read(token).entries, [written(`product:${id}`, 1)]);
    expect(tokens.read(token).required.map((entry) => entry.key)).toEqual([
      'product:2',
      'product:3',
      'product:4',
    ]);
  });

  it('ignores a token signed with another key, a malformed one, an oversized one and an expired one', async () => {
    const other = consistencyTokens(
      { ...config, key: 'another key of at least thirty-two characters' },
      logger,
    );
    const genuine = tokens.issue([], [written('product:a', 2)]);
    expect(tokens.read(other.issue([], [written('product:a', 2)])).required).toEqual([]);
    expect(tokens.read('no signature').required).toEqual([]);
    expect(tokens.read(`${genuine}.extra`).required).toEqual([]);
    expect(tokens.read(`${'x'.repeat(9_000)}.${'y'.repeat(43)}`).required).toEqual([]);
    const shortLived = consistencyTokens({ ...config, ttlMs: 1 }, logger);
    const old = shortLived.issue([], [written('product:a', 2)]);
    await new Promise((resolve) => setTimeout(resolve, 5)); // older than its 1 ms life
    expect(shortLived.read(old).required).toEqual([]);
  });

  it('requires a key in production and has a development default elsewhere', () => {
    expect(() => consistencyTokenConfig({ NODE_ENV: 'production' })).toThrow(/CONSISTENCY_TOKEN_KEY/);
    expect(consistencyTokenConfig({}).key.length).toBeGreaterThanOrEqual(32);
    expect(() => consistencyTokenConfig({ CONSISTENCY_TOKEN_KEY: 'short' })).toThrow();
  });
});
