import { Pool } from 'undici';
import { currentRequestContext, REQUEST_ID_HEADER } from './requestContext.ts';

export interface HttpAnswer {
  status: number;
  /** The body as text: the caller parses it (once, or once per caller when an answer is shared). */
  text: string;
}

export interface HttpClient {
  /**
   * POSTs a JSON body. Rejects on a connection error, or when `signal` aborts (without one, after
   * the client's `timeoutMs`); the body is read inside that time, so a stalled answer is a timeout.
   */
  post(body: string, headers?: Record<string, string>, signal?: AbortSignal): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  /** Time for one call, answer read included, when the caller brings no signal of its own. */
  timeoutMs?: number;
  /** Sockets to the service: a burst queues on warm connections instead of opening new ones. */
  connections?: number;
}

/**
 * How every process calls another over HTTP (the gateway its subgraphs, a service another service):
 * a pool of keep-alive connections per service (undici, Node's own HTTP client underneath `fetch`,
 * without fetch's Request/Response/stream objects per call), JSON in, text out. The request id of
 * the request being handled goes along, so both sides' log lines share it; the trace context is
 * added by the undici instrumentation of the tracing SDK.
 */
export function createHttpClient(url: string, options: HttpClientOptions = {}): HttpClient {
  const target = new URL(url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pool = new Pool(target.origin, { connections: options.connections ?? 32, keepAliveTimeout: 10_000 });
  const path = `${target.pathname}${target.search}`;
  return {
    async post(body, headers = {}, signal = AbortSignal.timeout(timeoutMs)) {
      const requestId = currentRequestContext()?.requestId;
      const answer = await pool.request({
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}),
          ...headers,
        },
        body,
        signal,
      });
      return { status: answer.statusCode, text: await answer.body.text() };
    },
    close: () => pool.close(),
  };
}
