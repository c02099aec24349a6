import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { developmentToken } from '@msd/service-kit';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, createCallerVerifier, identityConfig } from '../src/identity/createCallerVerifier.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'verified',
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );

describe('createCallerVerifier with the development key', () => {
  const verify = createCallerVerifier(identityConfig({}));

  it('no header is the anonymous caller; a development token is its subject and role scope', async () => {
    expect(await verify(undefined)).toEqual(anonymous);
    expect(await verify(`Bearer ${await developmentToken('customer', 'customer-042')}`)).toEqual({
      subject: 'customer-042',
      scopes: ['customer'],
    });
  });

  it('refuses an expired token, a bad signature, another issuer and garbage with UNAUTHENTICATED', async () => {
    const expired = await developmentToken('operator', 'op', {
      expiresIn: Math.floor(Date.now() / 1000) - 60,
    });
    expect(await codeOf(verify(`Bearer ${expired}`))).toBe('UNAUTHENTICATED');
    const valid = await developmentToken('operator');
    const [header, payload, signature] = valid.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), scope: 'operator customer' })).toString('base64url')}.${signature}`;
    expect(await codeOf(verify(`Bearer ${tampered}`))).toBe('UNAUTHENTICATED');
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ scope: 'operator' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('mallory')
      .setIssuer('msd-development')
      .setAudience('msd-gateway')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await codeOf(verify(`Bearer ${foreign}`))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify('Bearer not.a.jwt'))).toBe('UNAUTHENTICATED');
    expect(await codeOf(verify('Basic dXNlcjpwYXNz'))).toBe('UNAUTHENTICATED');
  });
});

describe('createCallerVerifier with a JWKS endpoint', () => {
  let url: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let up = true;
  const server = createServer(async (_req, res) => {
    if (!up) return res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' }] }));
  });
  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('rider-7')
      .setIssuer('https://id.example')
      .setAudience('shop')
      .setExpirationTime('5m')
      .sign(keys.privateKey);

  it('verifies against the published keys, issuer and audience; reads `scp` lists too', async () => {
    const verify = createCallerVerifier(
      identityConfig({ AUTH_JWKS_URL: url, AUTH_ISSUER: 'https://id.example', AUTH_AUDIENCE: 'shop' }),
    );
    expect(await verify(`Bearer ${await sign({ scp: ['rider'] })}`)).toEqual({
      subject: 'rider-7',
      scopes: ['rider'],
    });
    const wrongAudience = createCallerVerifier(
      identityConfig({ AUTH_JWKS_URL: url, AUTH_AUDIENCE: 'other' }),
    );
    expect(await codeOf(wrongAudience(`Bearer ${await sign({ scope: 'rider' })}`))).toBe('UNAUTHENTICATED');
  });

  it('fails closed when the JWKS endpoint is down: UNAUTHENTICATED, never anonymous or trusted', async () => {
    up = false;
    const verify = createCallerVerifier(identityConfig({ AUTH_JWKS_URL: url }));
    expect(await codeOf(verify(`Bearer ${await sign({ scope: 'rider' })}`))).toBe('UNAUTHENTICATED');
    up = true;
  });

  it('requires AUTH_JWKS_URL in production', () => {
    expect(() => identityConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWKS_URL/);
  });
});
