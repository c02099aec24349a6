import { createHmac, timingSafeEqual } from 'node:crypto';
import { type ProcessName, processes, serviceEntry } from '@msd/registry';
import { createLogger } from './createLogger.ts';

/** Header that carries a caller's service credential: `<caller>.<key of the caller for this callee>`. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';

const DEVELOPMENT_SECRET = 'dev-service-token-not-for-production';

/** Where a process's service credentials come from: its own environment. */
export interface ServiceCredentialEnv {
  /** `development` or `test`, set explicitly, allows the development secrets; anything else requires `SERVICE_TOKEN`. */
  NODE_ENV?: string | undefined;
  /** This process's own secret: it derives, per callee, the key it sends. Never leaves the process. */
  SERVICE_TOKEN?: string | undefined;
  /**
   * The keys of the callers this process accepts, `gateway:<key>,order:<key>`, each made by
   * `serviceCallerKeys` from the caller's secret and this process's name (so a key is worth
   * nothing at any other service). Unset outside production: derived from the development secrets.
   */
  SERVICE_CALLERS?: string | undefined;
}

/**
 * The processes allowed to call `callee`: the gateway (it calls every service) and every service
 * whose registry entry lists `callee` in its `calls`.
 */
export function allowedCallers(callee: ProcessName): ProcessName[] {
  return processes
    .filter((entry) => (entry.calls as readonly string[]).includes(callee))
    .map((entry) => entry.name);
}

/** The key `caller` (holding `secret`) sends to `callee`: an HMAC, so knowing it reveals neither the secret nor other keys. */
function keyFor(secret: string, callee: ProcessName): string {
  return createHmac('sha256', secret).update(`msd-service-credential:${callee}`).digest('base64url');
}

function developmentSecret(name: ProcessName): string {
  return developmentServiceSecrets()[name];
}

/** What each process's `SERVICE_TOKEN` is when unset in development and test: no secret at all. */
export function developmentServiceSecrets(): Record<ProcessName, string> {
  return processSecrets(DEVELOPMENT_SECRET);
}

function isDevelopment(env: ServiceCredentialEnv): boolean {
  return env.NODE_ENV === 'development' || env.NODE_ENV === 'test';
}

let warned = false;
function ownSecret(name: ProcessName, env: ServiceCredentialEnv): string {
  if (env.SERVICE_TOKEN) return env.SERVICE_TOKEN;
  if (!isDevelopment(env))
    throw new Error(
      `SERVICE_TOKEN must be set (NODE_ENV is ${env.NODE_ENV ?? 'unset'}): the development credentials are used only with NODE_ENV=development or test, set explicitly`,
    );
  if (!warned) {
    warned = true;
    createLogger('security').warn(
      'SERVICE_TOKEN is not set: using the development credentials (never do this in production)',
    );
  }
  return developmentSecret(name);
}

/** The `x-service-token` value process `caller` sends to `callee`. */
export function serviceCredential(
  caller: ProcessName,
  callee: ProcessName,
  env: ServiceCredentialEnv,
): string {
  return `${caller}.${keyFor(ownSecret(caller, env), callee)}`;
}

/**
 * What `callee` accepts: a function from a received `x-service-token` to the calling process, or
 * undefined when the credential is unknown, malformed, or a caller's the registry does not allow.
 * Keys come from `SERVICE_CALLERS` (required outside development and test), only for allowed callers.
 */
export function serviceCallerCheck(
  callee: ProcessName,
  env: ServiceCredentialEnv,
): (credential: string | undefined) => ProcessName | undefined {
  const allowed = allowedCallers(callee);
  const configured = env.SERVICE_CALLERS ? parseCallerKeys(env.SERVICE_CALLERS) : undefined;
  if (!configured && allowed.length > 0 && !isDevelopment(env))
    throw new Error(
      `SERVICE_CALLERS must be set for ${callee} (NODE_ENV is ${env.NODE_ENV ?? 'unset'}): the keys of ${allowed.join(', ')}`,
    );
  const keys = new Map<string, Buffer>();
  for (const caller of allowed) {
    const key = configured ? configured.get(caller) : keyFor(developmentSecret(caller), callee);
    if (key) keys.set(caller, Buffer.from(key));
  }
  return (credential) => {
    if (typeof credential !== 'string') return undefined;
    const dot = credential.indexOf('.');
    const caller = credential.slice(0, dot);
    const expected = dot > 0 ? keys.get(caller) : undefined;
    const given = Buffer.from(credential.slice(dot + 1));
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return caller as ProcessName;
  };
}

function parseCallerKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of text.split(',')) {
    const [caller, key, ...rest] = entry.trim().split(':');
    if (!caller || !key || rest.length) throw new Error('SERVICE_CALLERS: expected "<caller>:<key>,..."');
    serviceEntry(caller as ProcessName); // an unknown name is a typo: stop at start
    keys.set(caller, key);
  }
  return keys;
}

/**
 * Each process's `SERVICE_CALLERS`, from every process's secret: what a deployment (the launcher,
 * the compose key step, the Kubernetes generator) hands each process besides its own `SERVICE_TOKEN`.
 */
export function serviceCallerKeys(
  secrets: Readonly<Record<ProcessName, string>>,
): Record<ProcessName, string> {
  return Object.fromEntries(
    processes.map(({ name }) => [
      name,
      allowedCallers(name)
        .map((caller) => `${caller}:${keyFor(secrets[caller], name)}`)
        .join(','),
    ]),
  ) as Record<ProcessName, string>;
}

/**
 * The gateway's `CONSISTENCY_TOKEN_KEY` drawn from a deployment's root (compose, the local cluster), so
 * every gateway replica of that deployment signs and checks read-your-writes tokens with one key.
 */
export function consistencyTokenKey(root: string): string {
  return createHmac('sha256', root).update('msd-consistency-token-key').digest('base64url');
}

/**
 * A secret per process drawn from one root (the launcher's run secret, a benchmark's): whoever
 * holds the root can act as any process, so it stays with whoever deploys; each process gets only its own.
 */
export function processSecrets(root: string): Record<ProcessName, string> {
  return Object.fromEntries(
    processes.map(({ name }) => [name, createHmac('sha256', root).update(name).digest('base64url')]),
  ) as Record<ProcessName, string>;
}
