import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sdlPath, serviceNames } from '@msd/registry';
import { assembledSchema, composeSupergraph, roverSchemaFile, supergraphFile } from './composeSupergraph.ts';

try {
  writeFileSync(supergraphFile, composeSupergraph());
  console.log(`Composed ${fileURLToPath(supergraphFile)}`);
  // Rover reads one file per subgraph: the assembled SDL of each service that carries fragments.
  for (const name of serviceNames) {
    const file = roverSchemaFile(name);
    if (file === sdlPath(name)) continue;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, assembledSchema(name));
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
