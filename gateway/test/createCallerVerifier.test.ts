import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type ConfigError,
  DEVELOPMENT_AUDIENCE,
  DEVELOPMENT_ISSUER,
  developmentKeyPair,
  developmentToken,
} from '@msd/service-kit';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { anonymous, createCallerVerifier } from '../src/identity/createCallerVerifier.ts';
import { identityConfigOf } from '../src/identity/identityConfig.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'verified',
    (error: { extensions?: { code?: string } }) => error.extensions?.code,
  );

describe('createCallerVerifier with the development key', () => {
  const verify = createCallerVerifier(identityConfigOf({}));

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

describe('token lifetime', () => {
  const verify = createCallerVerifier(identityConfigOf({}));
  const signWith = async (build: (jwt: SignJWT) => SignJWT) => {
    const { privateJwk } = await developmentKeyPair();
    const jwt = new SignJWT({ scope: 'operator' })
      .setProtectedHeader({ alg: 'ES256', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
      .setSubject('op')
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(DEVELOPMENT_AUDIENCE);
    return build(jwt).sign(await importJWK(privateJwk, 'ES256'));
  };

  it('refuses a validly signed token without `exp` (it would never expire), and one valid for a month', async () => {
    const forever = await signWith((jwt) => jwt);
    await expect(verify(`Bearer ${forever}`)).rejects.toMatchObject({
      message: 'The token has no "exp" claim',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const month = await signWith((jwt) => jwt.setExpirationTime('30d'));
    await expect(verify(`Bearer ${month}`)).rejects.toMatchObject({
      message: 'The token is valid for longer than 86400 seconds',
    });
    expect(await codeOf(verify(`Bearer ${await signWith((jwt) => jwt.setExpirationTime('1h'))}`))).toBe(
      'verified',
    );
  });

  it('keeps a verified caller no longer than its token: refused once expired', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const soon = await signWith((jwt) => jwt.setExpirationTime(exp));
    expect(await codeOf(verify(`Bearer ${soon}`))).toBe('verified');
    await vi.waitUntil(() => Date.now() > exp * 1000, { timeout: 5_000, interval: 100 });
    await expect(verify(`Bearer ${soon}`)).rejects.toMatchObject({ message: 'The token has expired' });
  });
});

describe('identity configuration in production', () => {
  const problems = (env: NodeJS.ProcessEnv) => {
    try {
      identityConfigOf(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('requires an issuer and an audience: a shared key set would let other applications’ tokens in', () => {
    expect(problems({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/jwks.json' })).toEqual([
      'AUTH_ISSUER: is required in production: without it, tokens issued for other applications pass (not set)',
      'AUTH_AUDIENCE: is required in production: without it, tokens issued for other applications pass (not set)',
    ]);
  });

  it('fetches a remote key set over https only, plain http on loopback alone', () => {
    const base = { AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' };
    expect(problems({ ...base, AUTH_JWKS_URL: 'http://id.example/jwks.json' })).toEqual([
      'AUTH_JWKS_URL: must be https (plain http only on localhost, 127.0.0.1 or [::1])',
    ]);
    for (const url of ['https://id.example/jwks.json', 'http://127.0.0.1:9/jwks', 'http://[::1]:9/jwks'])
      expect(problems({ ...base, AUTH_JWKS_URL: url })).toEqual([]);
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
      identityConfigOf({ AUTH_JWKS_URL: url, AUTH_ISSUER: 'https://id.example', AUTH_AUDIENCE: 'shop' }),
    );
    expect(await verify(`Bearer ${await sign({ scp: ['rider'] })}`)).toEqual({
      subject: 'rider-7',
      scopes: ['rider'],
    });
    const wrongAudience = createCallerVerifier(
      identityConfigOf({ AUTH_JWKS_URL: url, AUTH_AUDIENCE: 'other' }),
    );
    expect(await codeOf(wrongAudience(`Bearer ${await sign({ scope: 'rider' })}`))).toBe('UNAUTHENTICATED');
  });

  it('fails closed when the JWKS endpoint is down: UNAUTHENTICATED, never anonymous or trusted', async () => {
    up = false;
    const verify = createCallerVerifier(identityConfigOf({ AUTH_JWKS_URL: url }));
    expect(await codeOf(verify(`Bearer ${await sign({ scope: 'rider' })}`))).toBe('UNAUTHENTICATED');
    up = true;
  });

  it('requires a key source in production', () => {
    expect(() => identityConfigOf({ NODE_ENV: 'production' })).toThrow(
      /AUTH_JWKS_URL: one of AUTH_JWKS_URL, AUTH_JWKS, AUTH_JWKS_FILE is required in production/,
    );
  });
});

describe('createCallerVerifier with the public keys given (AUTH_JWKS, AUTH_JWKS_FILE)', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwks: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'jwks-'));
  beforeAll(async () => {
    keys = await generateKeyPair('ES256', { extractable: true });
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'local', alg: 'ES256' }] });
    writeFileSync(path.join(dir, 'jwks.json'), jwks);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sign = (key: Parameters<SignJWT['sign']>[0]) =>
    new SignJWT({ scope: 'operator' })
      .setProtectedHeader({ alg: 'ES256', kid: 'local' })
      .setSubject('op-1')
      .setIssuer('msd-local')
      .setAudience('msd-gateway')
      .setExpirationTime('5m')
      .sign(key);

  it('verifies tokens of that key in production, from the variable or the file; refuses another key', async () => {
    for (const env of [{ AUTH_JWKS: jwks }, { AUTH_JWKS_FILE: path.join(dir, 'jwks.json') }]) {
      const verify = createCallerVerifier(
        identityConfigOf({
          NODE_ENV: 'production',
          AUTH_ISSUER: 'msd-local',
          AUTH_AUDIENCE: 'msd-gateway',
          ...env,
        }),
      );
      expect(await verify(`Bearer ${await sign(keys.privateKey)}`)).toEqual({
        subject: 'op-1',
        scopes: ['operator'],
      });
      const other = await generateKeyPair('ES256');
      expect(await codeOf(verify(`Bearer ${await sign(other.privateKey)}`))).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a private key, a file it cannot read, malformed JSON and two sources at once, naming the variable', async () => {
    const privateJwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.privateKey)), kid: 'local' }] });
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        identityConfigOf({ NODE_ENV: 'production', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a', ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    const leaked = problems({ AUTH_JWKS: privateJwks });
    expect(leaked).toEqual(['AUTH_JWKS.keys.0: holds a private key: give the gateway only the public part']);
    expect(problems({ AUTH_JWKS: 'not json' })).toEqual(['AUTH_JWKS: is not JSON']);
    expect(problems({ AUTH_JWKS_FILE: path.join(dir, 'missing.json') })[0]).toMatch(
      /^AUTH_JWKS_FILE: .* cannot be read \(ENOENT\)/,
    );
    expect(problems({ AUTH_JWKS: jwks, AUTH_JWKS_URL: 'https://id.example/jwks.json' })).toEqual([
      'AUTH_JWKS_URL: set only one of AUTH_JWKS_URL, AUTH_JWKS, AUTH_JWKS_FILE',
      'AUTH_JWKS: set only one of AUTH_JWKS_URL, AUTH_JWKS, AUTH_JWKS_FILE',
    ]);
  });
});
