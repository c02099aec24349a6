import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { developmentKeyPair } from '@msd/service-kit';

/** The local stacks' token keys: kustomize reads files below its overlay only, compose reads them there too. */
export const localTokenKeysDir = path.join(repoRoot, 'deploy/overlays/local/token-keys');
const signingKey = path.join(localTokenKeysDir, 'signing-key.json');
const publicKeys = path.join(localTokenKeysDir, 'jwks.json');

/**
 * The development key pair of the compose and local Kubernetes stacks: the private key
 * (`signing-key.json`, for `npm run token -- <role> --key ...`; never given to a gateway, kept out of
 * the image) and its public part as a JWKS (`jwks.json`, the gateway's `AUTH_JWKS`). Made when
 * missing; with `check`, changes nothing and returns the files that are missing or disagree.
 */
export async function localTokenKeys(check: boolean): Promise<string[]> {
  if (check && !existsSync(signingKey)) return [path.relative(repoRoot, signingKey)];
  const { publicJwk } = await developmentKeyPair(signingKey);
  const content = `${JSON.stringify({ keys: [{ ...publicJwk, use: 'sig' }] }, null, 2)}\n`;
  if ((await readFile(publicKeys, 'utf8').catch(() => undefined)) === content) return [];
  if (check) return [path.relative(repoRoot, publicKeys)];
  await writeFile(publicKeys, content);
  console.log(`wrote ${path.relative(repoRoot, publicKeys)}`);
  return [];
}
