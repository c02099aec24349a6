import { describe, expect, it } from 'vitest';
import { eventBus, parkedEventResolvers } from '../src/index.ts';

// What the operator's dead-letter API answers when the bus is missing or Redis is down; the happy
// paths run through the gateway in stack/test/parkedEvents.test.ts.
const codeOf = (work: () => Promise<unknown>) =>
  work().then(
    () => 'no error',
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );

describe('parkedEventResolvers', () => {
  it('fails SERVICE_UNAVAILABLE on an instance without an event bus', async () => {
    const api = parkedEventResolvers(undefined);
    expect(await codeOf(() => api.Query.parkedEvents(undefined, {}))).toBe('SERVICE_UNAVAILABLE');
    expect(
      await codeOf(() => api.Mutation.replayParkedEvents(undefined, { queue: 'ProductUpdated.order' })),
    ).toBe('SERVICE_UNAVAILABLE');
  });

  it('fails SERVICE_UNAVAILABLE at once when Redis is down, and refuses bad input first', async () => {
    // Nothing listens on port 1: every connection is refused.
    const api = parkedEventResolvers(eventBus({ redisUrl: 'redis://127.0.0.1:1', prefix: 'nowhere' }));
    const started = performance.now();
    expect(await codeOf(() => api.Query.parkedEvents(undefined, {}))).toBe('SERVICE_UNAVAILABLE');
    expect(
      await codeOf(() => api.Mutation.replayParkedEvents(undefined, { queue: 'ProductUpdated.order' })),
    ).toBe('SERVICE_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await codeOf(() => api.Mutation.replayParkedEvents(undefined, { queue: 'Nope.order' }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(await codeOf(() => api.Query.parkedEvents(undefined, { first: 501 }))).toBe('BAD_USER_INPUT');
  }, 20_000);
});
