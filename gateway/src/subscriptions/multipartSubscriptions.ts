import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { Repeater } from '@repeaterjs/repeater';
import { getOperationAST, parse } from 'graphql';
import type { RateLimitContext } from '../limits/rateLimit.ts';
import { postedOperation } from '../postedOperation.ts';
import { SUBSCRIPTION_TRANSPORTS } from '../servedOperations.ts';
import { endsOnReturn } from './endsOnReturn.ts';
import type { SubscriptionHub, SubscriptionMessage } from './subscriptionHub.ts';

const CONTENT_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
const PART_HEAD = '\r\ncontent-type: application/json; charset=utf-8\r\n\r\n';

/**
 * Subscriptions over multipart HTTP, as Apollo Client's HttpLink and Apollo Router speak it: a POST
 * whose operation is a subscription and whose `Accept` has `multipart/mixed;subscriptionSpec="1.0"`
 * is answered with one part per message (boundary `graphql`): `{"payload": {...}}` per payload, `{}`
 * every `heartbeatMs` (so proxies and clients know the stream is alive), and on the gateway's side
 * of a close `{"payload": null, "errors": [...]}` before the closing boundary. A refusal (limits,
 * access, too many subscriptions) is one JSON answer. A subscription sent without that `Accept`
 * gets 400 naming the transports. Everything else goes to `apollo` unchanged.
 */
export function multipartSubscriptions(options: {
  hub: SubscriptionHub;
  lookupDocument: (hash: string) => Promise<string | undefined>;
  heartbeatMs: number;
}) {
  return function serve<TContext extends BaseContext>(
    apollo: ApolloServer<TContext>,
  ): ApolloServer<TContext> {
    type Request = Parameters<ApolloServer<TContext>['executeHTTPGraphQLRequest']>[0];
    const served = Object.create(apollo) as ApolloServer<TContext>;
    served.executeHTTPGraphQLRequest = async (args: Request) => {
      const { httpGraphQLRequest: request, context } = args;
      const posted = await postedOperation(request, options.lookupDocument, (query) =>
        /\bsubscription\b/.test(query),
      );
      if (!posted || !isSubscription(posted.query, posted.operationName))
        return apollo.executeHTTPGraphQLRequest(args);
      const { query, documentHash, operationName, variables, extensions } = posted;
      if (!acceptsSubscription(request.headers.get('accept')))
        return json(400, {
          errors: [{ message: SUBSCRIPTION_TRANSPORTS, extensions: { code: 'BAD_REQUEST' } }],
        });
      const outcome = await options.hub.subscribe({
        query,
        documentHash,
        variables,
        operationName,
        extensions,
        headers: request.headers,
        context: context as unknown as () => Promise<RateLimitContext>,
      });
      if ('refusal' in outcome) return outcome.refusal;
      return {
        status: 200,
        headers: new HeaderMap([
          ['content-type', CONTENT_TYPE],
          ['cache-control', 'no-cache'],
        ]),
        body: { kind: 'chunked', asyncIterator: parts(outcome.messages, options.heartbeatMs) },
      } satisfies HTTPGraphQLResponse;
    };
    return served;
  };
}

/**
 * The multipart body: each part is written with the boundary after it, so a client reads a part as
 * soon as it arrives. Returning the iterator (the client went away) ends the subscription.
 */
function parts(messages: AsyncIterableIterator<SubscriptionMessage>, heartbeatMs: number) {
  const body = new Repeater<string>(async (push, stop) => {
    let first = true;
    const part = (value: unknown) => {
      const text = `${first ? '\r\n--graphql' : ''}${PART_HEAD}${JSON.stringify(value)}\r\n--graphql`;
      first = false;
      return push(text);
    };
    const heartbeat = setInterval(() => void part({}), heartbeatMs);
    const forwarding = (async () => {
      for await (const message of messages) {
        if ('payload' in message) await part({ payload: message.payload });
        else await part({ payload: null, errors: message.closed });
      }
    })();
    await Promise.race([stop, forwarding.catch(() => {})]);
    clearInterval(heartbeat);
    await messages.return?.();
    if (first) await push('\r\n--graphql');
    await push('--\r\n');
    stop();
  });
  // Also returned before its first read (the client left while it was admitted): the subscription ends.
  return endsOnReturn(body, () => messages.return?.());
}

function isSubscription(query: string, operationName: string | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName)?.operation === 'subscription';
  } catch {
    return false; // the server answers a document that does not parse
  }
}

function acceptsSubscription(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((type) => /^\s*multipart\/mixed\b/i.test(type) && /subscriptionSpec\s*=\s*"?1\.0"?/i.test(type));
}

function json(status: number, value: unknown): HTTPGraphQLResponse {
  return {
    status,
    headers: new HeaderMap([['content-type', 'application/json; charset=utf-8']]),
    body: { kind: 'complete', string: JSON.stringify(value) },
  };
}
