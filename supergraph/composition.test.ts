import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, supergraphFile } from './composeSupergraph.ts';

describe('supergraph', () => {
  it('composes from the six subgraph schemas and the coordinator', () => {
    const supergraph = composeSupergraph();
    expect(supergraph).toContain('join__graph(name: "ride"');
    expect(supergraph).toContain('join__graph(name: "coordinator"');
  });

  it('keeps the coordinator protocol out of the public API (@inaccessible)', () => {
    const supergraph = composeSupergraph();
    for (const field of ['prepareRename', 'commitCopyRename', 'renameOutcome']) {
      expect(supergraph).toMatch(new RegExp(`${field}\\([^)]*\\):[^\\n]*@inaccessible`));
    }
    expect(supergraph).toMatch(
      /renameProduct\(id: ID!, name: String!, consistency: Consistency! = EVENTUAL\): Product!/,
    );
  });

  it('is committed as composed: run `npm run compose` after changing a schema.graphql', () => {
    expect(readFileSync(supergraphFile, 'utf8')).toBe(composeSupergraph());
  });
});
