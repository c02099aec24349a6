import { createHmac, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processes } from '@msd/registry';
import {
  consistencyTokenKey,
  developmentKeyPair,
  eventKeyVariable,
  eventProducersNeeded,
  processSecrets,
  serviceCallerKeys,
} from '@msd/service-kit';

// The compose stack's secrets, made on its first start and kept in volumes (docker-compose.yml's
// `secrets` job), so no key in the repository lets anyone into a compose stack:
//   /run/keys/            the root of the service secrets and the token signing key (this job only)
//   /run/msd-<process>/   service.env: that process's SERVICE_TOKEN and SERVICE_CALLERS, and the event
//                         signing keys it signs or verifies with (<PRODUCER>_EVENT_KEY), nothing else;
//                         the gateway's also holds CONSISTENCY_TOKEN_KEY (one for all its replicas) and
//                         jwks.json, the public half of the signing key.
// Later starts keep what exists. `node stack/dist/compose/composeSecrets.js` from the image.
const keys = '/run/keys';
const owner = { uid: 1000, gid: 1000 }; // the image's `node` user, which runs every process

mkdirSync(keys, { recursive: true });
const rootFile = path.join(keys, 'service-root');
if (!existsSync(rootFile)) writeFileSync(rootFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
const root = readFileSync(rootFile, 'utf8').trim();
const secrets = processSecrets(root);
const callers = serviceCallerKeys(secrets);
const eventKey = (producer: string) =>
  createHmac('sha256', root).update(`msd-event-key:${producer}`).digest('base64url');

for (const { name } of processes) {
  const dir = `/run/msd-${name}`;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'service.env');
  const lines = [
    `SERVICE_TOKEN=${secrets[name]}`,
    `SERVICE_CALLERS=${callers[name]}`,
    ...eventProducersNeeded(name).map((producer) => `${eventKeyVariable(producer)}=${eventKey(producer)}`),
    ...(name === 'gateway' ? [`CONSISTENCY_TOKEN_KEY=${consistencyTokenKey(root)}`] : []),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chownSync(file, owner.uid, owner.gid);
}

const { publicJwk } = await developmentKeyPair(path.join(keys, 'signing-key.json'));
const jwks = '/run/msd-gateway/jwks.json';
writeFileSync(jwks, JSON.stringify({ keys: [publicJwk] }), { mode: 0o644 });
console.log('compose secrets ready (service credentials per process, token signing key)');
