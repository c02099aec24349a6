import { HeaderMap } from '@apollo/server';
import { type Caller, developmentKeyFile, developmentKeyPair } from '@msd/service-kit';
import { GraphQLError } from 'graphql';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import type { IdentityConfig } from './identityConfig.ts';

export const anonymous: Caller = { subject: undefined, scopes: [] };

/**
 * Verifies `Authorization: Bearer <JWT>` with jose: the signature against the JWKS (fetched and
 * cached by jose, refetched when a token names an unknown key), the configured public keys, or the
 * development public key; the expiry, which every token must have and which may lie at most
 * `maxLifetimeSeconds` ahead; issuer and audience when configured (always in production). No header:
 * the anonymous caller. A header that does not verify: UNAUTHENTICATED (HTTP 401), never a silent
 * downgrade to anonymous. When the JWKS endpoint cannot be reached, tokens cannot be verified and are
 * refused the same way (fail closed). A verified token's caller is kept until the token expires, so
 * a client's every request does not pay a signature check.
 */
export function createCallerVerifier(config: IdentityConfig) {
  const keys = config.jwksUrl
    ? Promise.resolve(createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 2_000 }))
    : config.jwks
      ? Promise.resolve(createLocalJWKSet(config.jwks))
      : developmentKeyPair(config.developmentKeyFile ?? developmentKeyFile({})).then(({ publicJwk }) =>
          createLocalJWKSet({ keys: [publicJwk] }),
        );
  keys.catch(() => {}); // surfaced on the first verification
  // Only tokens that verified are kept (a refusal is never cached), each until its `exp`.
  const verified = new LRUCache<string, Caller>({ max: 10_000 });

  return async function verifyCaller(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined || authorization.trim() === '') return anonymous;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const token = match[1];
    const known = verified.get(token);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keys, {
        requiredClaims: ['exp'],
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      }));
    } catch (error) {
      throw unauthenticated(reason(error));
    }
    const secondsLeft = (payload.exp as number) - Date.now() / 1000;
    if (secondsLeft > config.maxLifetimeSeconds)
      throw unauthenticated(`The token is valid for longer than ${config.maxLifetimeSeconds} seconds`);
    // The subject travels to the subgraphs in a header: printable ASCII only, and bounded.
    if (typeof payload.sub !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(payload.sub))
      throw unauthenticated('The token has no subject, or one that is not accepted');
    const caller: Caller = { subject: payload.sub, scopes: scopesOf(payload) };
    const ttl = Math.floor(secondsLeft * 1000);
    if (ttl > 0) verified.set(token, caller, { ttl }); // a ttl of 0 would mean forever
    return caller;
  };
}

export type CallerVerifier = ReturnType<typeof createCallerVerifier>;

/** OAuth 2 `scope` (space-separated), or `scp` as a list or a string (Azure AD, Okta). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return list.filter((scope): scope is string => typeof scope === 'string' && /^[\x21-\x7e]+$/.test(scope));
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (error instanceof errors.JWTClaimValidationFailed)
    return error.reason === 'missing'
      ? `The token has no "${error.claim}" claim`
      : `The token's "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'The token is signed with an unknown key';
  if (error instanceof errors.JOSEError && /fetch|timeout|JWKS/i.test(error.code))
    return 'The signing keys cannot be fetched now';
  return 'The token is not a valid JWT';
}

function unauthenticated(message: string): GraphQLError {
  // Apollo Server reads `http.headers` as a HeaderMap; graphql-yoga's types (through the Hive Gateway
  // the gateway benchmark runs) declare the same extension as a plain record, hence the widening.
  const http = { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer']]) } as object;
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http } });
}
