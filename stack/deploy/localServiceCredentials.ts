import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { processes, repoRoot } from '@msd/registry';
import { consistencyTokenKey, processSecrets, serviceCallerKeys } from '@msd/service-kit';

/**
 * The local cluster's service credentials, one env file per process (secret msd-service-<process>);
 * the gateway's also holds its CONSISTENCY_TOKEN_KEY.
 */
const dir = path.join(repoRoot, 'deploy/overlays/local/service-credentials');
/** Not a secret: the local overlay's credentials are as public as this repository. */
const LOCAL_ROOT = 'local-cluster-service-root-change-me';

/**
 * Writes each process's `SERVICE_TOKEN` and `SERVICE_CALLERS` (and the gateway's
 * `CONSISTENCY_TOKEN_KEY`) for the local overlay, derived from one root like the launcher's; with
 * `check`, changes nothing and returns the files that disagree. Elsewhere make them the same way from
 * a root of your own (`processSecrets`, `serviceCallerKeys`, `consistencyTokenKey`).
 */
export async function localServiceCredentials(check: boolean): Promise<string[]> {
  const secrets = processSecrets(LOCAL_ROOT);
  const callers = serviceCallerKeys(secrets);
  const stale: string[] = [];
  for (const { name } of processes) {
    const file = path.join(dir, `${name}.env`);
    const content = [
      `SERVICE_TOKEN=${secrets[name]}`,
      ...(callers[name] ? [`SERVICE_CALLERS=${callers[name]}`] : []),
      ...(name === 'gateway' ? [`CONSISTENCY_TOKEN_KEY=${consistencyTokenKey(LOCAL_ROOT)}`] : []),
      '',
    ].join('\n');
    if ((await readFile(file, 'utf8').catch(() => undefined)) === content) continue;
    if (check) {
      stale.push(path.relative(repoRoot, file));
      continue;
    }
    await mkdir(dir, { recursive: true });
    await writeFile(file, content);
    console.log(`wrote ${path.relative(repoRoot, file)}`);
  }
  return stale;
}
