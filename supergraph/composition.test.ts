import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, supergraphFile } from './composeSupergraph.ts';

describe('supergraph', () => {
  it('composes from the six subgraph schemas', () => {
    expect(composeSupergraph()).toContain('join__graph(name: "ride"');
  });

  it('is committed as composed: run `npm run compose` after changing a schema.graphql', () => {
    expect(readFileSync(supergraphFile, 'utf8')).toBe(composeSupergraph());
  });
});
