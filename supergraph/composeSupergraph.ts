import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { readSdl, repoRoot, type ServiceName, sdlFiles, services } from '@msd/registry';
import { parse } from 'graphql';

/**
 * The one file rover reads for a service: its schema.graphql, or, when shared fragments are
 * appended to it (`sdlFiles`), the assembly `npm run compose` writes to `supergraph/schemas/`.
 */
export const roverSchemaFile = (name: ServiceName): string => {
  const [own, ...fragments] = sdlFiles(name);
  return fragments.length === 0
    ? (own as string)
    : fileURLToPath(new URL(`./schemas/${name}.graphql`, import.meta.url));
};

/** What `npm run compose` writes to `roverSchemaFile` for a service whose SDL is assembled. */
export const assembledSchema = (name: ServiceName): string => {
  const sources = sdlFiles(name).map((file) => path.relative(repoRoot, file));
  return `# Written by \`npm run compose\` from ${sources.join(' + ')}: edit those, not this file.\n\n${readSdl(name)}\n`;
};

/** The subgraphs of the supergraph: every service in the registry, with where the gateway finds it by default. */
export const subgraphs = services.map(({ name, port }) => ({
  name,
  url: `http://127.0.0.1:${port}/graphql`,
  schemaFile: roverSchemaFile(name),
}));

export const supergraphFile = new URL('./supergraph.graphql', import.meta.url);

/**
 * Composes the subgraph SDL files with Apollo's composition (the same library rover uses) and
 * returns the supergraph SDL, or throws with every composition error listed. `sdlOf` replaces a
 * subgraph's SDL (the schema check's tests compose edited copies).
 */
export function composeSupergraph(sdlOf: (name: string) => string | undefined = () => undefined): string {
  const result = composeServices(
    subgraphs.map(({ name, url }) => ({
      name,
      url,
      typeDefs: parse(sdlOf(name) ?? readSdl(name)),
    })),
  );
  if (result.errors) {
    throw new Error(
      `Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`,
    );
  }
  return `${result.supergraphSdl.trimEnd()}\n`;
}
