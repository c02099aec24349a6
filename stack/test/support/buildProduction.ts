import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '@msd/registry';

/**
 * `npm run build` (tsc -b, incremental), under a lock: two test runs in one checkout must not
 * write the same outputs at once.
 */
export function buildProduction(): void {
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  const build = spawnSync(
    'flock',
    [path.join(repoRoot, 'node_modules/.build.lock'), process.execPath, tsc, '-b', 'tsconfig.build.json'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}
