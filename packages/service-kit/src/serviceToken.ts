import { createLogger } from './createLogger.ts';

/** Header that carries the credential shared by the gateway and the services. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';

const DEV_TOKEN = 'dev-service-token-not-for-production';
let warned = false;

/**
 * The service credential, from `SERVICE_TOKEN`. Outside production a well-known development
 * default keeps `npm start` a one-command affair; in production a missing secret is fatal,
 * because a default secret is no secret.
 */
export function serviceToken(): string {
  const token = process.env.SERVICE_TOKEN;
  if (token) return token;
  if (process.env.NODE_ENV === 'production') {
    throw new Error(
      'SERVICE_TOKEN must be set in production: services refuse to run with the development default',
    );
  }
  if (!warned) {
    warned = true;
    createLogger('security').warn(
      'SERVICE_TOKEN is not set: using the development default (never do this in production)',
    );
  }
  return DEV_TOKEN;
}
