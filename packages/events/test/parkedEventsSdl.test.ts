import { readFileSync } from 'node:fs';
import { sdlPath, services } from '@msd/registry';
import { describe, expect, it } from 'vitest';

// Each service's schema.graphql is its whole API (composition and rover read that one file), so the
// dead-letter API's SDL is carried by every service that mounts its resolvers: the same block, kept here.
const block = readFileSync(new URL('../schema/parkedEvents.graphql', import.meta.url), 'utf8').trim();

describe('the parked-events SDL', () => {
  it.each(services.filter((service) => service.consumes.length > 0).map((service) => service.name))(
    'is carried unchanged by %s, which consumes events',
    (name) => {
      expect(readFileSync(sdlPath(name), 'utf8')).toContain(block);
    },
  );

  it('is carried by no service that consumes nothing (it would answer without a bus)', () => {
    for (const service of services.filter((entry) => entry.consumes.length === 0))
      expect(readFileSync(sdlPath(service.name), 'utf8')).not.toContain('parkedEvents');
  });
});
