import { createLogger } from '@msd/service-kit';
import { describe, expect, it, vi } from 'vitest';
import { consistencyTokenConfigOf, consistencyTokens } from '../src/consistency/consistencyTokens.ts';

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
    const issuedAt = Date.now();
    const old = shortLived.issue([], [written('product:a', 2)]);
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(issuedAt + 1)); // older than its 1 ms life
    expect(shortLived.read(old).required).toEqual([]);
  });

  it('accepts a genuine token of the most entries it keeps: the size limit follows the entry limit', () => {
    const large = consistencyTokens({ ...config, maxEntries: 256 }, logger);
    const longest = (n: number) => `${'t'.repeat(16)}:${n.toString().padStart(64, '0')}`;
    const token = large.issue(
      [],
      Array.from({ length: 256 }, (_, n) => written(longest(n), Number.MAX_SAFE_INTEGER)),
    );
    expect(large.read(token).required).toHaveLength(256);
    // The same token is oversized for a gateway that keeps 32 entries.
    expect(consistencyTokens(config, logger).read(token).required).toEqual([]);
  });

  it('requires a key of its own in production (not the development one) and has a development default elsewhere', () => {
    expect(() => consistencyTokenConfigOf({ NODE_ENV: 'production' })).toThrow(/CONSISTENCY_TOKEN_KEY/);
    const developmentKey = consistencyTokenConfigOf({}).key;
    expect(developmentKey.length).toBeGreaterThanOrEqual(32);
    expect(() =>
      consistencyTokenConfigOf({ NODE_ENV: 'production', CONSISTENCY_TOKEN_KEY: developmentKey }),
    ).toThrow(/CONSISTENCY_TOKEN_KEY/);
    const own = 'a production key of at least thirty-two characters';
    expect(consistencyTokenConfigOf({ NODE_ENV: 'production', CONSISTENCY_TOKEN_KEY: own }).key).toBe(own);
    expect(() => consistencyTokenConfigOf({ CONSISTENCY_TOKEN_KEY: 'short' })).toThrow();
    expect(() => consistencyTokenConfigOf({ CONSISTENCY_TOKEN_MAX_ENTRIES: '257' })).toThrow();
    expect(consistencyTokenConfigOf({ CONSISTENCY_TOKEN_TTL_MS: '5000' }).ttlMs).toBe(5_000);
  });
});
