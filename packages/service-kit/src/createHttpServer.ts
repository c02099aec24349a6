import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import type { Logger } from './createLogger.ts';
import { httpRequestDuration, metrics } from './metrics.ts';
import { REQUEST_ID_HEADER, withRequestContext } from './requestContext.ts';
import { type BackgroundProcess, isDraining } from './serverLifecycle.ts';
import { SERVICE_TOKEN_HEADER } from './serviceToken.ts';

export interface ReadyReport {
  ready: boolean;
  /** Set while the process shuts down: it finishes what it has, and takes nothing new. */
  draining?: boolean;
  checks: Record<string, string>;
}

export interface HttpServerOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (req: IncomingMessage) => Promise<TContext>;
  /** Paths that serve GraphQL (and, in development, Apollo Sandbox on GET). */
  graphqlPaths: readonly string[];
  /**
   * When set, GraphQL requests must carry a service credential it accepts (it returns the caller)
   * or get 401 and no data.
   */
  acceptCaller?: ((credential: string | undefined) => string | undefined) | undefined;
  /** What GET /ready reports: 200 when every check passes, 503 otherwise. */
  ready: () => Promise<ReadyReport>;
  logger: Logger;
  maxBodyBytes?: number;
  /** Serve GET /metrics on this server (default true; the gateway's public port in production does not). */
  metrics?: boolean;
  /** More GET routes (e.g. the gateway's /subgraphs report), each answered with its JSON. */
  routes?: Record<string, () => Promise<unknown>>;
  /**
   * Looks at a GraphQL request's parsed body before Apollo does (e.g. document limits) and returns
   * a GraphQL error with its HTTP status to refuse it, or undefined to let it through.
   */
  inspectBody?: (
    body: unknown,
    search: string,
  ) => { status: number; message: string; extensions: Record<string, unknown> } | undefined;
  /** Runs first on every request (e.g. CORS); returns true when it has answered the request itself. */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/**
 * The HTTP face shared by the gateway and every subgraph: GraphQL, GET /health (the process is up),
 * GET /ready (its dependencies answer) and GET /metrics (Prometheus). Plain node:http, because
 * the routing needed is four paths and a body parser, not a framework.
 */
export function createHttpServer<TContext extends BaseContext>(options: HttpServerOptions<TContext>): Server {
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, graphqlError('Malformed request URL', 'BAD_REQUEST'));
      return 'unknown';
    }
    // With an admin surface (adminSurface), /metrics and /ready are answered there only, and it
    // answers nothing else.
    const onAdmin = (req.socket as { server?: unknown }).server !== server;
    const adminHere = onAdmin || !withAdminSurface.has(server);
    if (onAdmin && !adminPaths.includes(url.pathname)) {
      sendJson(res, 404, graphqlError(`No route for ${req.method} ${url.pathname}`, 'NOT_FOUND'));
      return 'unknown';
    }
    if (options.intercept?.(req, res)) return 'intercepted';
    const route = req.method === 'GET' ? options.routes?.[url.pathname] : undefined;
    if (route) {
      sendJson(res, 200, await route());
      return url.pathname;
    }
    if (req.method === 'GET' && url.pathname === '/health') {
      sendJson(res, 200, { status: 'ok' });
      return '/health';
    }
    if (req.method === 'GET' && url.pathname === '/ready' && adminHere) {
      const report: ReadyReport = isDraining(server)
        ? { ready: false, draining: true, checks: {} }
        : await options.ready();
      sendJson(res, report.ready ? 200 : 503, report);
      return '/ready';
    }
    if (req.method === 'GET' && url.pathname === '/metrics' && options.metrics !== false && adminHere) {
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(await metrics.metrics());
      return '/metrics';
    }
    if (!options.graphqlPaths.includes(url.pathname)) {
      sendJson(res, 404, graphqlError(`No route for ${req.method} ${url.pathname}`, 'NOT_FOUND'));
      return 'unknown';
    }
    const credential = req.headers[SERVICE_TOKEN_HEADER];
    if (
      options.acceptCaller &&
      !options.acceptCaller(typeof credential === 'string' ? credential : undefined)
    ) {
      sendJson(res, 401, graphqlError('Missing or invalid service credential', 'UNAUTHENTICATED'));
      return 'graphql';
    }
    let body: unknown;
    try {
      body = await readJsonBody(req, maxBodyBytes);
    } catch (error) {
      const status = error instanceof BodyTooLarge ? 413 : 400;
      sendJson(res, status, graphqlError((error as Error).message, 'BAD_REQUEST'));
      return 'graphql';
    }
    const refusal = options.inspectBody?.(body, url.search);
    if (refusal) {
      sendJson(res, refusal.status, {
        errors: [{ message: refusal.message, extensions: refusal.extensions }],
      });
      return 'graphql';
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? 'GET', headers, search: url.search, body },
      context: () => options.context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      const chunks = response.body.asyncIterator;
      // A client gone mid-stream (a subscriber that went away) ends the stream now, not at its next
      // write; one gone already, while the answer was being made, ends it before it starts.
      if (res.destroyed || req.socket.destroyed) {
        await chunks.return?.();
        return 'graphql';
      }
      res.once('close', () => {
        if (!res.writableFinished) void chunks.return?.();
      });
      for await (const chunk of chunks) res.write(chunk);
      res.end();
    }
    return 'graphql';
  };

  const server = createServer((req, res) => {
    const end = httpRequestDuration.startTimer();
    const requestId = incomingRequestId(req) ?? randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    withRequestContext({ requestId }, () => handle(req, res))
      .then((route) => end({ route, status: res.statusCode }))
      .catch((error: unknown) => {
        options.logger.error('request failed', { error, path: req.url });
        end({ route: 'error', status: 500 });
        if (!res.headersSent)
          sendJson(res, 500, graphqlError('Internal server error', 'INTERNAL_SERVER_ERROR'));
        else res.destroy();
      });
  });
  return server;
}

const adminPaths = ['/health', '/ready', '/metrics'];
const withAdminSurface = new WeakSet<Server>();

/**
 * A subgraph's admin surface on a port of its own (`ADMIN_PORT`): /health, /ready and /metrics of
 * `server`, answered by the same handler; from then on its public port no longer answers /ready
 * and /metrics, so only the network that reaches the admin port (probes, Prometheus) sees them.
 */
export function adminSurface(
  server: Server,
  port: number,
  host: string,
): BackgroundProcess & { port(): number } {
  const [listener] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  const admin = createServer(listener);
  return {
    async start() {
      await new Promise<void>((resolve, reject) => {
        admin.once('error', reject);
        admin.listen(port, host, () => resolve());
      });
      withAdminSurface.add(server);
    },
    async stop() {
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
    port: () => (admin.address() as AddressInfo | null)?.port ?? port,
  };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A caller's request id (the gateway's, a load balancer's) is kept when it is a sane token. */
function incomingRequestId(req: IncomingMessage): string | undefined {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : undefined;
}

class BodyTooLarge extends Error {}

async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`Request body exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  // Apollo answers a non-JSON POST itself (400, with CSRF prevention); only JSON is parsed here.
  if (!type.includes('json')) return text;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('Request body is not valid JSON');
  }
}

function graphqlError(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
