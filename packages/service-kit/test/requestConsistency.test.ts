import { describe, expect, it } from 'vitest';
import { type CopyRead, RequestConsistency } from '../src/consistency.ts';

const path = { prev: undefined, key: 'productName', typename: 'OrderItem' };
const copy = (over: Partial<CopyRead<string>>): CopyRead<string> => ({
  key: 'product:p1',
  copy: { value: 'old', version: 1 },
  path,
  awaitCopy: async () => undefined,
  readOwner: async () => ({ value: 'new', version: 2 }),
  ...over,
});
const reading = (ownerTimeoutMs = 50) =>
  new RequestConsistency('order', [{ key: 'product:p1', version: 2 }], { waitMs: 0, ownerTimeoutMs });

describe('a read named by a consistency token', () => {
  it('answers from the copy when it is already at the version, from the owner when the consumer is behind', async () => {
    const fresh = reading();
    expect(await fresh.read(copy({ copy: { value: 'new', version: 2 } }))).toBe('new');
    expect(fresh.report()).toEqual({ order: { fresh: 1 } });
    const owner = reading();
    expect(await owner.read(copy({}))).toBe('new');
    expect(owner.report()).toEqual({ order: { owner: 1 } });
    expect(owner.staleErrors).toEqual([]);
  });

  it('gives up on an owner that does not answer within ownerTimeoutMs: the copy, with STALE_READ at its path', async () => {
    const consistency = reading(20);
    const hung = copy({ readOwner: () => new Promise<never>(() => {}) });
    expect(await consistency.read(hung)).toBe('old');
    expect(consistency.report()).toEqual({ order: { stale: 1 } });
    expect(consistency.staleErrors).toEqual([
      expect.objectContaining({ path: ['productName'], extensions: { code: 'STALE_READ' } }),
    ]);
  });

  it('says stale when the owner fails or is itself behind the token', async () => {
    const failing = reading();
    expect(await failing.read(copy({ readOwner: async () => Promise.reject(new Error('down')) }))).toBe(
      'old',
    );
    const behind = reading();
    expect(await behind.read(copy({ readOwner: async () => ({ value: 'old', version: 1 }) }))).toBe('old');
    expect([failing.report(), behind.report()]).toEqual([{ order: { stale: 1 } }, { order: { stale: 1 } }]);
  });
});
