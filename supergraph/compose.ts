import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeSupergraph, supergraphFile } from './composeSupergraph.ts';

try {
  writeFileSync(supergraphFile, composeSupergraph());
  console.log(`Composed ${fileURLToPath(supergraphFile)}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
