import { Pool } from 'undici';

export interface SubgraphAnswer {
  status: number;
  /** The parsed JSON body of a 2xx answer; the text (for the error) of any other. */
  body: unknown;
}

export interface SubgraphClient {
  /** POSTs a GraphQL request; rejects on a connection error, an abort, or a 2xx body that is not JSON. */
  post(body: string, headers: Record<string, string>, signal: AbortSignal): Promise<SubgraphAnswer>;
  close(): Promise<void>;
}

/**
 * The gateway's HTTP connection to one subgraph: a pool of keep-alive connections (undici, Node's
 * own HTTP client underneath `fetch`, without fetch's Request/Response/stream objects per call),
 * and each answer parsed once, straight from its bytes. `connections` bounds the sockets per
 * subgraph, so a burst queues on warm connections instead of opening (and closing) new ones.
 */
export function createSubgraphClient(url: string, { connections = 32 } = {}): SubgraphClient {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, keepAliveTimeout: 10_000 });
  const path = `${target.pathname}${target.search}`;
  return {
    async post(body, headers, signal) {
      const answer = await pool.request({ method: 'POST', path, headers, body, signal });
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      return { status: answer.statusCode, body: ok ? await answer.body.json() : await answer.body.text() };
    },
    close: () => pool.close(),
  };
}
