import { readFileSync } from 'node:fs';
import {
  ConfigError,
  DEVELOPMENT_AUDIENCE,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_KEY_FILE,
  loadConfig,
} from '@msd/service-kit';
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';

export interface IdentityConfig {
  /** Where the signing keys are published (an identity provider's JWKS). */
  jwksUrl?: string | undefined;
  /** Or the public keys themselves (`AUTH_JWKS`, `AUTH_JWKS_FILE`). Neither: the development key. */
  jwks?: JSONWebKeySet | undefined;
  /** Required `iss` and `aud` claims; with the development key, the development issuer and audience. */
  issuer: string | undefined;
  audience: string | undefined;
  /** The longest a token may still be valid (`exp` minus now), in seconds: a stolen token lives no longer. */
  maxLifetimeSeconds: number;
  /** Where the development key pair is kept (`AUTH_DEV_KEY_FILE`), used without a key set. */
  developmentKeyFile?: string | undefined;
}

/** Public keys only: a private member (`d`, or RSA's primes) means a signing key was pasted by mistake. */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const publicKeySet = z.object({
  keys: z
    .array(
      z.looseObject({ kty: z.string().min(1) }).refine((key) => !privateMembers.some((m) => m in key), {
        message: 'holds a private key: give the gateway only the public part',
      }),
    )
    .min(1),
});
const jwksJson = z.string().transform((text, context) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.addIssue({ code: 'custom', message: 'is not JSON' });
    return z.NEVER;
  }
});

/**
 * The gateway's identity variables, validated with the rest of its configuration: the keys come
 * from one of `AUTH_JWKS_URL` (an identity provider's endpoint), `AUTH_JWKS` (the JWKS document
 * itself, e.g. from a Secret) or `AUTH_JWKS_FILE` (a mounted file); none of them outside production
 * means the development key.
 */
export const identityVariables = {
  AUTH_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    // Keys fetched over plain http could be swapped on the way: only a loopback key server may use it.
    .refine((value) => value.startsWith('https:') || loopbackHosts.includes(new URL(value).hostname), {
      message: 'must be https (plain http only on localhost, 127.0.0.1 or [::1])',
    })
    .optional()
    .describe("The identity provider's key set (JWKS) endpoint; https, except on loopback"),
  AUTH_JWKS: jwksJson
    .pipe(publicKeySet)
    .optional()
    .describe('The public key set itself (JWKS JSON), e.g. from a Secret'),
  AUTH_JWKS_FILE: z.string().min(1).optional().describe('A file holding the public key set (JWKS JSON)'),
  AUTH_ISSUER: z
    .string()
    .min(1)
    .optional()
    .describe('Required `iss` of client tokens (required in production)'),
  AUTH_AUDIENCE: z
    .string()
    .min(1)
    .optional()
    .describe('Required `aud` of client tokens (required in production)'),
  AUTH_DEV_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('Where the development key pair is kept, used without a key set (else the default file)'),
  AUTH_MAX_TOKEN_LIFETIME_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(24 * 60 * 60)
    .describe('The longest a client token may still be valid (`exp` minus now), in seconds'),
};
const loopbackHosts = ['localhost', '127.0.0.1', '[::1]'];
const sources = ['AUTH_JWKS_URL', 'AUTH_JWKS', 'AUTH_JWKS_FILE'] as const;

/** The identity variables as the gateway's schema parsed them (with `NODE_ENV`). */
export type IdentityVariables = z.output<z.ZodObject<typeof identityVariables>> & {
  NODE_ENV?: string | undefined;
};

/** What the variables cannot say one at a time: one key source, and issuer and audience in production. */
function identityProblems(config: IdentityVariables): string[] {
  const production = config.NODE_ENV === 'production';
  const given = sources.filter((name) => config[name] !== undefined);
  const problems =
    given.length > 1 ? given.map((name) => `${name}: set only one of ${sources.join(', ')}`) : [];
  if (given.length === 0 && production)
    problems.push(
      `AUTH_JWKS_URL: one of ${sources.join(', ')} is required in production: the gateway verifies callers against it (no development key there) (not set)`,
    );
  // A key set can be shared with other applications (a multi-tenant identity provider): issuer
  // and audience are what make a token one issued for this gateway.
  for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const)
    if (production && config[name] === undefined)
      problems.push(
        `${name}: is required in production: without it, tokens issued for other applications pass (not set)`,
      );
  return problems;
}

/** The identity settings of the parsed variables; throws `ConfigError` naming each one at fault. */
export function identityConfig(config: IdentityVariables): IdentityConfig {
  const problems = identityProblems(config);
  if (problems.length) throw new ConfigError(problems);
  const jwks = config.AUTH_JWKS ?? (config.AUTH_JWKS_FILE ? readKeySet(config.AUTH_JWKS_FILE) : undefined);
  const developmentKey = !config.AUTH_JWKS_URL && !jwks;
  return {
    jwksUrl: config.AUTH_JWKS_URL,
    jwks: jwks as JSONWebKeySet | undefined,
    issuer: config.AUTH_ISSUER ?? (developmentKey ? DEVELOPMENT_ISSUER : undefined),
    audience: config.AUTH_AUDIENCE ?? (developmentKey ? DEVELOPMENT_AUDIENCE : undefined),
    maxLifetimeSeconds: config.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
    developmentKeyFile: config.AUTH_DEV_KEY_FILE ?? DEVELOPMENT_KEY_FILE,
  };
}

/** The identity settings of an environment given whole (tests, and a server built without them). */
export function identityConfigOf(env: NodeJS.ProcessEnv): IdentityConfig {
  return identityConfig(
    loadConfig(z.looseObject({ NODE_ENV: z.string().optional(), ...identityVariables }), env),
  );
}

function readKeySet(file: string): z.output<typeof publicKeySet> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `AUTH_JWKS_FILE: ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
    ]);
  }
  return loadConfig(z.object({ AUTH_JWKS_FILE: jwksJson.pipe(publicKeySet) }), { AUTH_JWKS_FILE: text })
    .AUTH_JWKS_FILE;
}
