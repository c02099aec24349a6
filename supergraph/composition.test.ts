import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, supergraphFile } from './composeSupergraph.ts';

describe('supergraph', () => {
  it('composes from every service of the registry', () => {
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

describe('rover config', () => {
  it('lists the same subgraphs, URLs and SDL files as `npm run compose`', async () => {
    const { subgraphs } = await import('./composeSupergraph.ts');
    const yaml = readFileSync(new URL('./supergraph.yaml', import.meta.url), 'utf8');
    const listed = [
      ...yaml.matchAll(/^ {2}(\w+):\n {4}routing_url: (\S+)\n {4}schema:\n {6}file: (\S+)$/gm),
    ].map(([, name, url, file]) => ({ name, url, file }));
    expect(listed).toEqual(
      subgraphs.map(({ name, url, schemaFile }) => ({
        name,
        url,
        file: path.relative(path.dirname(fileURLToPath(supergraphFile)), schemaFile),
      })),
    );
  });
});
