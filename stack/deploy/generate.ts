// npm run deploy:generate: writes deploy/base's generated files from the registry, and the local
// stacks' token key pair when it is missing, and the local overlay's service credentials. With --check, changes nothing and exits 1 when a
// committed file is not what the registry gives, or the key pair is missing or does not match.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { kubernetesManifests } from './kubernetesManifests.ts';
import { localServiceCredentials } from './localServiceCredentials.ts';
import { localTokenKeys } from './localTokenKeys.ts';

const base = path.join(repoRoot, 'deploy/base');
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [file, content] of Object.entries(kubernetesManifests())) {
  const target = path.join(base, file);
  const current = await readFile(target, 'utf8').catch(() => undefined);
  if (current === content) continue;
  if (check) {
    stale.push(file);
    continue;
  }
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote deploy/base/${file}`);
}
stale.push(...(await localTokenKeys(check)), ...(await localServiceCredentials(check)));
if (stale.length) {
  console.error(`Not current (run npm run deploy:generate): ${stale.join(', ')}`);
  process.exit(1);
}
