import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { configurationReference } from './configurationReference.ts';

// `npm run docs:config`: rewrites docs/configuration.md from the schemas.
const file = path.join(repoRoot, 'docs', 'configuration.md');
writeFileSync(file, configurationReference());
console.log(`wrote ${path.relative(repoRoot, file)}`);
