import { readManifest } from '@msd/gateway';
import { developmentToken } from '@msd/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationManifestFile } from '../../supergraph/registeredOperations.ts';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// The web client's real manifest, enforced as in production.
const manifest = readManifest(operationManifestFile);
const [catalogHash, catalogDocument] = Object.entries(manifest).find(([, document]) =>
  document.startsWith('query ShopCatalog'),
) as [string, string];
const catalogPage = { first: 8 };
let federation: TestFederation;

beforeAll(async () => {
  federation = await startTestFederation({
    gateway: { trustedDocuments: { manifest, enforce: true, bypassScope: 'operator' } },
  });
});
afterAll(async () => {
  await federation?.stop();
});

async function post(body: unknown, role?: 'customer' | 'operator') {
  const response = await fetch(federation.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(role ? { authorization: `Bearer ${await developmentToken(role)}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
  };
}

const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

describe('trusted documents, enforced', () => {
  it('runs a registered operation sent by its hash alone', async () => {
    const { status, body } = await post({ ...byHash(catalogHash), variables: catalogPage }, 'customer');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ __typename: 'Query', products: [] }); // fresh databases: an empty catalog
  });

  it('runs a registered document sent in full (its sha256 is in the manifest)', async () => {
    const { body } = await post({ query: catalogDocument, variables: catalogPage });
    expect(body.errors).toBeUndefined();
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, and never registers what a client sends', async () => {
    const unknown = 'ab'.repeat(32);
    expect((await post(byHash(unknown), 'customer')).body.errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    // APQ's register-on-miss: a document with its own hash. Refused, and the hash stays unknown.
    const query = '{ products(first: 1) { id } }';
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(query).digest('hex');
    const registering = await post({ query, ...byHash(hash) }, 'customer');
    expect(registering.status).toBe(400);
    expect(registering.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect((await post(byHash(hash), 'customer')).body.errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
  });

  it('refuses an arbitrary operation with PERSISTED_QUERY_NOT_IN_LIST (HTTP 400), except for an operator', async () => {
    const query = '{ products(first: 1) { id name } }';
    for (const role of [undefined, 'customer'] as const) {
      const { status, body } = await post({ query }, role);
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(body.data).toBeUndefined();
    }
    const operator = await post({ query }, 'operator');
    expect(operator.status).toBe(200);
    expect(operator.body.errors).toBeUndefined();
  });
});
