import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processes } from '@msd/registry';
import { developmentKeyPair } from '@msd/service-kit';
import { composeServiceEnv } from './composeServiceEnv.ts';

// The compose stack's secrets, made on its first start and kept in volumes (docker-compose.yml's
// `secrets` job), so no key in the repository lets anyone into a compose stack:
//   /run/keys/            the root of the service secrets and the token signing key (this job only)
//   /run/msd-<process>/   service.env: what that process needs of them (composeServiceEnv), nothing
//                         else; the gateway's also holds jwks.json, the public half of the signing key.
// Later starts keep what exists. `node stack/dist/compose/composeSecrets.js` from the image.
const keys = '/run/keys';
const owner = { uid: 1000, gid: 1000 }; // the image's `node` user, which runs every process

mkdirSync(keys, { recursive: true });
const rootFile = path.join(keys, 'service-root');
if (!existsSync(rootFile)) writeFileSync(rootFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
const serviceEnv = composeServiceEnv(readFileSync(rootFile, 'utf8').trim());

for (const { name } of processes) {
  const dir = `/run/msd-${name}`;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'service.env');
  writeFileSync(file, serviceEnv[name], { mode: 0o600 });
  chownSync(file, owner.uid, owner.gid);
}

const { publicJwk } = await developmentKeyPair(path.join(keys, 'signing-key.json'));
const jwks = '/run/msd-gateway/jwks.json';
writeFileSync(jwks, JSON.stringify({ keys: [publicJwk] }), { mode: 0o644 });
console.log('compose secrets ready (service credentials per process, token signing key)');
