import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_HEADERS =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-consistency-token';
/** Response headers a browser app may read: the read-your-writes token it sends back. */
const EXPOSED_HEADERS = 'x-consistency-token';

/**
 * CORS for browser apps: an allowed origin gets `Access-Control-Allow-Origin` on every answer and a
 * preflight (OPTIONS) answered 204 with the methods and headers (authorization, content-type) it
 * may send (and it may read `x-consistency-token`); any other origin gets no CORS headers, so its browser blocks the call. Credentials
 * (cookies) are not allowed: callers authenticate with a bearer token. Returns true when it has
 * answered the request (a preflight).
 */
export function cors(origins: readonly string[]) {
  const any = origins.includes('*');
  const allows = originAllowed(origins);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    const allowed = typeof origin === 'string' && allows(origin);
    res.setHeader('vary', 'Origin');
    if (allowed) {
      res.setHeader('access-control-allow-origin', any ? '*' : origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
    if (allowed) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(allowed ? 204 : 403);
    res.end();
    return true;
  };
}

/** Whether a browser page from this origin may call the gateway (`CORS_ORIGINS`, `*` for any). */
export function originAllowed(origins: readonly string[]) {
  const any = origins.includes('*');
  return (origin: string) => any || origins.includes(origin);
}
