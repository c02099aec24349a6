import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@msd/registry';

/**
 * `npm run build` (tsc -b, incremental), under a lock: two test runs in one checkout must not
 * write the same outputs at once. Asynchronous: the vitest process it runs in also serves the e2e
 * stack's output meanwhile.
 */
export async function buildProduction(): Promise<void> {
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(
    'flock',
    [path.join(repoRoot, 'node_modules/.build.lock'), process.execPath, tsc, '-b', 'tsconfig.build.json'],
    { cwd: repoRoot, maxBuffer: 16 << 20 },
  ).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`build failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}
