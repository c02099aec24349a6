import { createLogger } from './createLogger.ts';

/** Header that carries the credential shared by the gateway and the services. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';

const DEV_TOKEN = 'dev-service-token-not-for-production';
let warned = false;

/**
 * The service credential: `SERVICE_TOKEN` as the process's configuration gave it (which requires
 * it in production). Outside production, a well-known development default keeps `npm start` a
 * one-command affair.
 */
export function serviceToken(configured?: string): string {
  if (configured) return configured;
  if (!warned) {
    warned = true;
    createLogger('security').warn(
      'SERVICE_TOKEN is not set: using the development default (never do this in production)',
    );
  }
  return DEV_TOKEN;
}
