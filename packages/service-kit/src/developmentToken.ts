import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/** The roles of the system, each a scope of the same name in its tokens. */
export const roles = ['customer', 'rider', 'operator'] as const;
export type Role = (typeof roles)[number];

/** Subjects that match the seeded demo data: customer-001 has orders, rider-001 has rides. */
export const defaultSubjects: Record<Role, string> = {
  customer: 'customer-001',
  rider: 'rider-001',
  operator: 'operator',
};

export const DEVELOPMENT_ISSUER = 'msd-development';
export const DEVELOPMENT_AUDIENCE = 'msd-gateway';
const ALGORITHM = 'ES256';

/** Where the development key pair lives unless a caller names another file (git-ignored). */
export const DEVELOPMENT_KEY_FILE = path.join(repoRoot, '.dev-keys', 'jwt-es256.json');

/** The key file an entry point's environment names (`AUTH_DEV_KEY_FILE`), else the default one. */
export function developmentKeyFile(env: NodeJS.ProcessEnv): string {
  return env.AUTH_DEV_KEY_FILE || DEVELOPMENT_KEY_FILE;
}

/**
 * The development key pair (callers use it outside production only): made on first use and kept in a file, so
 * `npm run token`, `npm start` and the tests sign with the key every local gateway verifies.
 * Created by writing a temporary file and hard-linking it into place, so concurrent first uses
 * (test files in parallel) agree on one key.
 */
export async function developmentKeyPair(
  file = DEVELOPMENT_KEY_FILE,
): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (!existsSync(file)) {
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), alg: ALGORITHM, kid: `dev-${Date.now().toString(36)}` };
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(temporary, JSON.stringify(jwk), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  const privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { d: _private, ...publicJwk } = privateJwk;
  return { privateJwk, publicJwk };
}

/**
 * A development token for a role, signed with the development key: subject `subject` (else the
 * role's demo subject), scope the role's name, valid for `expiresIn` (default 12 hours).
 */
export async function developmentToken(
  role: Role,
  subject: string = defaultSubjects[role],
  options: { expiresIn?: string | number; file?: string } = {},
): Promise<string> {
  const { privateJwk } = await developmentKeyPair(options.file);
  const key = await importJWK(privateJwk, ALGORITHM);
  return new SignJWT({ scope: role })
    .setProtectedHeader({ alg: ALGORITHM, ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setSubject(subject)
    .setIssuer(DEVELOPMENT_ISSUER)
    .setAudience(DEVELOPMENT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(key);
}
