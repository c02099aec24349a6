import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/** The subgraphs of the supergraph, in one place: name, SDL file, and where the gateway finds it by default. */
export const subgraphs = [
  { name: 'product', port: 4001 },
  { name: 'order', port: 4002 },
  { name: 'inventory', port: 4003 },
  { name: 'shipping', port: 4004 },
  { name: 'driver', port: 4005 },
  { name: 'ride', port: 4006 },
].map(({ name, port }) => ({
  name,
  url: `http://127.0.0.1:${port}/graphql`,
  schemaFile: new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url),
}));

// The coordinator is a subgraph of the gateway package (the "gateway approach" to consistency).
subgraphs.push({
  name: 'coordinator',
  url: 'http://127.0.0.1:4007/graphql',
  schemaFile: new URL('../gateway/coordinator.graphql', import.meta.url),
});

export const supergraphFile = new URL('./supergraph.graphql', import.meta.url);

/**
 * Composes the subgraph SDL files with Apollo's composition (the same library rover uses) and
 * returns the supergraph SDL, or throws with every composition error listed.
 */
export function composeSupergraph(): string {
  const result = composeServices(
    subgraphs.map(({ name, url, schemaFile }) => ({
      name,
      url,
      typeDefs: parse(readFileSync(schemaFile, 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(
      `Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`,
    );
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}
