import { HeaderMap } from '@apollo/server';
import { type Caller, developmentKeyFile, developmentKeyPair } from '@msd/service-kit';
import { GraphQLError } from 'graphql';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { type IdentityConfig, identityConfig } from './identityConfig.ts';

export const anonymous: Caller = { subject: undefined, scopes: [] };

/**
 * Verifies `Authorization: Bearer <JWT>` with jose: the signature against the JWKS (fetched and
 * cached by jose, refetched when a token names an unknown key), the configured public keys, or the
 * development public key; the expiry; issuer and audience when configured. No header: the anonymous caller. A header that
 * does not verify: UNAUTHENTICATED (HTTP 401), never a silent downgrade to anonymous. When the JWKS
 * endpoint cannot be reached, tokens cannot be verified and are refused the same way (fail closed).
 */
export function createCallerVerifier(config: IdentityConfig = identityConfig()) {
  const keys = config.jwksUrl
    ? Promise.resolve(createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 2_000 }))
    : config.jwks
      ? Promise.resolve(createLocalJWKSet(config.jwks))
      : developmentKeyPair(developmentKeyFile(process.env)).then(({ publicJwk }) =>
          createLocalJWKSet({ keys: [publicJwk] }),
        );
  keys.catch(() => {}); // surfaced on the first verification

  return async function verifyCaller(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined || authorization.trim() === '') return anonymous;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], await keys, {
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      }));
    } catch (error) {
      throw unauthenticated(reason(error));
    }
    // The subject travels to the subgraphs in a header: printable ASCII only, and bounded.
    if (typeof payload.sub !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(payload.sub))
      throw unauthenticated('The token has no subject, or one that is not accepted');
    return { subject: payload.sub, scopes: scopesOf(payload) };
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
    return `The token's "${error.claim}" claim is not accepted`;
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
