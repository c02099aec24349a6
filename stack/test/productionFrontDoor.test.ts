import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { developmentServiceSecrets, developmentToken } from '@msd/service-kit';
import { freePort } from '@msd/testing';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';
import { builtEntry, type LoggedProcess, startLoggedProcess, waitUntilOk } from './support/loggedProcess.ts';

// The gateway process in production mode (`NODE_ENV=production`) in front of real subgraphs, with
// its keys from an identity provider's JWKS URL: the development key refused, introspection off,
// no field suggestions, no /metrics or /subgraphs on the public port, no CORS origin until one is
// set. The other front-door tests run the gateway in development mode; productionGateway.test.ts
// runs the compiled one with the local stacks' key, trusted documents and the image's contents.
const ISSUER = 'https://idp.test';
const AUDIENCE = 'msd-gateway';
let federation: TestFederation;
let jwks: Server;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let gateway: LoggedProcess;
let publicUrl: string;
let adminUrl: string;

async function providerToken(scope: string, subject: string, key = privateKey): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
    .setSubject(subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

async function post(body: unknown, token?: string) {
  const response = await fetch(`${publicUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  return { status: response.status, ...json };
}

beforeAll(async () => {
  federation = await startTestFederation();
  const keys = await generateKeyPair('ES256');
  privateKey = keys.privateKey;
  const publicJwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const [port, adminPort] = [await freePort(), await freePort()];
  publicUrl = `http://127.0.0.1:${port}`;
  adminUrl = `http://127.0.0.1:${adminPort}`;
  const subgraphUrls = Object.fromEntries(
    Object.entries(federation.subgraphs).map(([name, subgraph]) => [
      `${name.toUpperCase()}_URL`,
      subgraph.url,
    ]),
  );
  gateway = startLoggedProcess(builtEntry('gateway/dist/index.js'), {
    NODE_ENV: 'production',
    PRODUCT_EVENT_KEY: 'product-event-key-for-this-test-0123456789',
    DRIVER_EVENT_KEY: 'driver-event-key-for-this-test-0123456789',
    // Subscriptions follow orders: the gateway verifies order, inventory and shipping events too.
    ORDER_EVENT_KEY: 'order-event-key-for-this-test-0123456789',
    INVENTORY_EVENT_KEY: 'inventory-event-key-for-this-test-0123456789',
    SHIPPING_EVENT_KEY: 'shipping-event-key-for-this-test-0123456789',
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    // The subgraphs of this test run in test mode: they accept the gateway's development credential.
    SERVICE_TOKEN: developmentServiceSecrets().gateway,
    CONSISTENCY_TOKEN_KEY: 'production-front-door-test-consistency-key-0123',
    AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    EVENTS_PREFIX: `test-${randomUUID()}`,
    RATE_LIMIT: 'off',
    SUBGRAPH_TIMEOUT_MS: '10000', // a loaded CI machine answers slowly; this test is not about timeouts
    ...subgraphUrls,
    COORDINATOR_URL: 'http://127.0.0.1:9/graphql',
  });
  await waitUntilOk(`${publicUrl}/ready`, gateway);
  // The admin surface starts right after the public port.
  await waitUntilOk(`${adminUrl}/metrics`, gateway);
}, 120_000);
afterAll(async () => {
  gateway?.child.kill('SIGTERM');
  jwks?.close();
  await federation?.stop();
});

describe('the gateway in production mode', () => {
  it('verifies callers against the JWKS only: a development token or another key is 401', async () => {
    const query = '{ products(first: 1) { id } }';
    const operator = await post({ query }, await providerToken('operator', 'ops-1'));
    expect(operator.status).toBe(200);
    expect(operator.errors).toBeUndefined();
    const strangerKey = (await generateKeyPair('ES256')).privateKey;
    for (const token of [
      await developmentToken('operator'),
      await providerToken('operator', 'x', strangerKey),
    ]) {
      const refused = await post({ query }, token);
      expect(refused.status).toBe(401);
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses introspection, even to an operator, and hides field suggestions', async () => {
    const token = await providerToken('operator', 'ops-1');
    const introspection = await post({ query: '{ __schema { types { name } } }' }, token);
    expect(introspection.data ?? undefined).toBeUndefined();
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await post({ query: '{ prodcts { id } }' }, token);
    expect(typo.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.errors?.[0]?.message).not.toMatch(/did you mean|products/i);
  });

  it('serves /metrics and /subgraphs on the admin port only', async () => {
    for (const route of ['/metrics', '/subgraphs']) {
      expect((await fetch(`${publicUrl}${route}`)).status).toBe(404);
      expect((await fetch(`${adminUrl}${route}`)).status).toBe(200);
    }
    expect((await fetch(`${publicUrl}/ready`)).status).toBe(200);
  });

  it('allows no browser origin until CORS_ORIGINS is set', async () => {
    const preflight = await fetch(`${publicUrl}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
