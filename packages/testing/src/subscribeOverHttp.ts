import type { GraphQLResponse } from './graphqlRequest.ts';

/** One part of a multipart subscription: a payload, a heartbeat (`{}`), or the gateway's last word. */
export interface SubscriptionPart {
  payload?: Omit<GraphQLResponse, 'status'> | null;
  errors?: GraphQLResponse['errors'];
}

export interface HttpSubscription {
  status: number;
  /** The answer when the subscription was refused (not multipart). */
  refusal?: Omit<GraphQLResponse, 'status'>;
  /** Every part read so far, heartbeats included, in order. */
  parts: SubscriptionPart[];
  /** The payloads read so far (heartbeats left out). */
  payloads(): SubscriptionPart[];
  /** Resolves with the first part that matches, waiting for it as parts arrive (rejects when the stream ends first). */
  until(match: (part: SubscriptionPart) => boolean): Promise<SubscriptionPart>;
  /** Whether the closing boundary has been read. */
  ended(): boolean;
  close(): void;
}

/**
 * A subscription over multipart HTTP as Apollo Client sends it (`Accept:
 * multipart/mixed;subscriptionSpec="1.0"`), read part by part as they arrive.
 */
export async function subscribeOverHttp(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<HttpSubscription> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  const parts: SubscriptionPart[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const subscription: HttpSubscription = {
    status: response.status,
    parts,
    payloads: () => parts.filter((part) => 'payload' in part),
    ended: () => ended,
    close: () => abort.abort(),
    until(match) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = parts.find(match);
          if (found) {
            waiters.delete(check);
            resolve(found);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`The subscription ended without the part awaited: ${JSON.stringify(parts)}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
  if (!(response.headers.get('content-type') ?? '').startsWith('multipart/mixed')) {
    subscription.refusal = (await response.json()) as Omit<GraphQLResponse, 'status'>;
    ended = true;
    return subscription;
  }
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let at = buffer.indexOf('\r\n--graphql'); at >= 0; at = buffer.indexOf('\r\n--graphql')) {
          const part = buffer.slice(0, at);
          buffer = buffer.slice(at + '\r\n--graphql'.length);
          const body = part.slice(part.indexOf('\r\n\r\n') + 4).trim();
          if (part.includes('\r\n\r\n') && body) parts.push(JSON.parse(body) as SubscriptionPart);
        }
        if (buffer.startsWith('--')) ended = true;
        wake();
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      wake();
    }
  })();
  return subscription;
}
