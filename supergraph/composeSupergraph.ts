import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { sdlPath, services } from '@msd/registry';
import { parse } from 'graphql';

/** The subgraphs of the supergraph: every service in the registry, with where the gateway finds it by default. */
export const subgraphs = services.map(({ name, port }) => ({
  name,
  url: `http://127.0.0.1:${port}/graphql`,
  schemaFile: sdlPath(name),
}));

export const supergraphFile = new URL('./supergraph.graphql', import.meta.url);

/**
 * Composes the subgraph SDL files with Apollo's composition (the same library rover uses) and
 * returns the supergraph SDL, or throws with every composition error listed. `sdlOf` replaces a
 * subgraph's SDL (the schema check's tests compose edited copies).
 */
export function composeSupergraph(sdlOf: (name: string) => string | undefined = () => undefined): string {
  const result = composeServices(
    subgraphs.map(({ name, url, schemaFile }) => ({
      name,
      url,
      typeDefs: parse(sdlOf(name) ?? readFileSync(schemaFile, 'utf8')),
    })),
  );
  if (result.errors) {
    throw new Error(
      `Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`,
    );
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}
