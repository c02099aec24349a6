import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clearEventBus, eventBus } from '@msd/events';
import { readManifest } from '@msd/gateway';
import { processes, repoRoot, serviceNames, urlVariable } from '@msd/registry';
import { developmentToken } from '@msd/service-kit';
import { freePort } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTokenKeysDir } from '../deploy/localTokenKeys.ts';
import { builtEntry, startLoggedProcess, waitUntilOk } from './support/loggedProcess.ts';

// The gateway as the image, compose and the local Kubernetes overlay run it: compiled, production
// mode, TypeScript stripping off, verifying callers against the public half of the local stacks'
// key pair (AUTH_JWKS_FILE; the overlay passes the same JSON as AUTH_JWKS), enforcing the web
// client's trusted documents from the path it finds them at beside its built files. No subgraph runs:
// every `<NAME>_URL` points at a closed port, and nothing here needs one.
const bus = eventBus({ prefix: `test-${randomUUID()}` });
const signingKey = path.join(localTokenKeysDir, 'signing-key.json');
const manifestFile = path.join(repoRoot, 'web/src/graphql/persisted-documents.json');
let gateway: ReturnType<typeof startGateway>;
let url: string;

const startGateway = (env: Record<string, string>) =>
  startLoggedProcess(builtEntry('gateway/dist/index.js'), env);

async function productionEnv(): Promise<Record<string, string>> {
  const closed = await freePort();
  return {
    NODE_ENV: 'production',
    PRODUCT_EVENT_KEY: 'product-event-key-for-this-test-0123456789',
    DRIVER_EVENT_KEY: 'driver-event-key-for-this-test-0123456789',
    // Subscriptions follow orders: the gateway verifies order, inventory and shipping events too.
    ORDER_EVENT_KEY: 'order-event-key-for-this-test-0123456789',
    INVENTORY_EVENT_KEY: 'inventory-event-key-for-this-test-0123456789',
    SHIPPING_EVENT_KEY: 'shipping-event-key-for-this-test-0123456789',
    SERVICE_TOKEN: 'production-gateway-test-token-0123',
    CONSISTENCY_TOKEN_KEY: 'production-gateway-test-consistency-key-0123456789',
    EVENTS_PREFIX: bus.prefix,
    ...Object.fromEntries(
      processes
        .filter(({ name }) => name !== 'gateway')
        .map(({ name }) => [urlVariable(name), `http://127.0.0.1:${closed}/graphql`]),
    ),
  };
}

beforeAll(async () => {
  const port = await freePort();
  gateway = startGateway({
    ...(await productionEnv()),
    PORT: String(port),
    AUTH_JWKS_FILE: path.join(localTokenKeysDir, 'jwks.json'),
    AUTH_ISSUER: 'msd-development',
    AUTH_AUDIENCE: 'msd-gateway',
  });
  await waitUntilOk(`http://127.0.0.1:${port}/health`, gateway, 30_000);
  url = `http://127.0.0.1:${port}/graphql`;
}, 180_000);
afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  await clearEventBus(bus);
});

async function post(body: unknown, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
  };
}

describe('the production gateway of the compose and local Kubernetes stacks', () => {
  it('verifies a token signed with the local stacks key, and refuses one from another key', async () => {
    const local = await developmentToken('operator', 'operator', { file: signingKey });
    expect(await post({ query: '{ __typename }' }, local)).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
    // The development key of this checkout (`npm start`, the tests) is another key.
    const other = await developmentToken('operator');
    const refused = await post({ query: '{ __typename }' }, other);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('enforces the trusted documents it found beside its built files', async () => {
    const customer = await developmentToken('customer', 'customer-001', { file: signingKey });
    const unregistered = await post({ query: 'query Mine { orders { id } }' }, customer);
    expect(unregistered.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // A registered document, by hash: planned and sent on (the subgraphs are down: another error).
    const [hash] = Object.keys(readManifest(manifestFile));
    const registered = await post(
      { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: {} },
      customer,
    );
    const codes = registered.body.errors?.map((error) => error.extensions?.code) ?? [];
    expect(codes).not.toContain('PERSISTED_QUERY_NOT_FOUND');
    expect(codes).not.toContain('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses to start in production without a key source, issuer and audience, naming the variables', async () => {
    const { output, exited } = startGateway({ ...(await productionEnv()), PORT: String(await freePort()) });
    expect(await exited).toBe(1);
    const failure = JSON.parse(output.find((line) => line.includes('Invalid configuration')) ?? '{}');
    expect(failure.invalid).toEqual(['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE']);
    expect(failure.msg).toContain(
      'one of AUTH_JWKS_URL, AUTH_JWKS, AUTH_JWKS_FILE is required in production',
    );
  }, 60_000);
});

// What the production processes read at run time must be in the image: the Dockerfile copies the
// build context (minus .dockerignore) and the build's output, minus what its `rm -rf` removes.
describe('the runtime image (checked without a Docker engine)', () => {
  const dockerignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const removed = [...readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8').matchAll(/rm -rf ([^&]+)/g)]
    .flatMap((match) => match[1]!.split(/\s+/))
    .filter((item) => item && item !== '\\');
  /** The pattern that drops `file` or one of its folders, if any. */
  const droppedBy = (file: string, patterns: readonly string[]) => {
    const parts = file.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    return patterns.find((pattern) => prefixes.some((prefix) => path.matchesGlob(prefix, pattern)));
  };
  // Committed files read at run time: the manifest (gateway), the supergraph (gateway, compose; the
  // Kubernetes base mounts its own copy), each service's SDL, the migrations (the prepare job).
  const sources = [
    'web/src/graphql/persisted-documents.json',
    'supergraph/supergraph.graphql',
    ...serviceNames.flatMap((service) => [
      `subgraphs/${service}/schema.graphql`,
      `prisma/${service}/migrations`,
    ]),
  ];
  // Build output the image runs: every entry point, the migration and seed commands of compose.
  const built = [
    ...processes.map(({ name }) =>
      name === 'gateway' ? 'gateway/dist/index.js' : `subgraphs/${name}/dist/index.js`,
    ),
    'packages/database/dist/cli/migrate.js',
    'stack/dist/seed/seed.js',
  ];

  it('keeps every file production reads: in the build context, not removed after the build', () => {
    expect(removed.length).toBeGreaterThan(5); // the parse found the Dockerfile's list
    for (const file of sources) {
      expect(existsSync(path.join(repoRoot, file)), file).toBe(true);
      expect(droppedBy(file, dockerignore), `${file} (.dockerignore)`).toBeUndefined();
      expect(droppedBy(file, removed), `${file} (Dockerfile rm -rf)`).toBeUndefined();
    }
    for (const file of built) {
      expect(existsSync(path.join(repoRoot, file)), `${file} (npm run build)`).toBe(true);
      expect(droppedBy(file, removed), `${file} (Dockerfile rm -rf)`).toBeUndefined();
    }
    // ...and never the local stacks' signing key.
    expect(droppedBy('deploy/overlays/local/token-keys/signing-key.json', dockerignore)).toBeDefined();
  });
});
