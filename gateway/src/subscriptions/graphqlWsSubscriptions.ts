import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import { type ExecutionArgs, GraphQLError, GraphQLSchema, getOperationAST, parse } from 'graphql';
import { useServer as serveGraphqlWs } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GraphQLResult } from '../incremental/fragmentPayload.ts';
import type { RateLimitContext } from '../limits/rateLimit.ts';
import type { SubscriptionHub } from './subscriptionHub.ts';

/** graphql-ws validates nothing when handed execution arguments; the server behind ours does. */
const unused = new GraphQLSchema({});

interface Operation {
  results: AsyncIterable<GraphQLResult> | Promise<GraphQLResult>;
}

/**
 * graphql-ws over WebSocket (the `graphql-ws` library on `ws`), on the gateway's port at /graphql.
 * The token comes in `connection_init`'s payload (`{ "authorization": "Bearer …" }`, as browsers
 * cannot set headers on a WebSocket) or in the upgrade request's Authorization header. A
 * browser's page may open the socket only from the gateway's own origin (Sandbox on its landing page)
 * or one CORS allows (`CORS_ORIGINS`; a WebSocket is not subject to CORS, so the upgrade is refused
 * 403 otherwise); a client that sends no Origin (not a browser) may. A subscription goes to the hub like one over multipart HTTP (its refusal is an `error` message, its
 * close a last `next` with the errors, then `complete`); a query or mutation runs through the
 * server as one HTTP request would and answers once.
 */
export function graphqlWsSubscriptions(options: {
  http: Server;
  hub: SubscriptionHub;
  execute: ApolloServer<BaseContext>['executeHTTPGraphQLRequest'];
  lookupDocument: (hash: string) => Promise<string | undefined>;
  contextFor: (authorization: string | undefined, clientAddress: string) => Promise<RateLimitContext>;
  production: boolean;
  /** Whether a browser page from an origin may open the socket (the CORS allow-list). */
  originAllowed: (origin: string) => boolean;
}) {
  const wss = new WebSocketServer({
    server: options.http,
    path: '/graphql',
    verifyClient: ({ req }, accept) => {
      const origin = req.headers.origin;
      if (origin === undefined || sameOrigin(origin, req.headers.host) || options.originAllowed(origin))
        accept(true);
      else accept(false, 403, 'Origin not allowed');
    },
  });
  const server = serveGraphqlWs<Record<string, unknown> | undefined>(
    {
      isProd: options.production,
      onSubscribe: async (ctx, _id, payload) => {
        const hash = (payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
        const query =
          payload.query || (typeof hash === 'string' ? await options.lookupDocument(hash) : undefined);
        if (!query) return [new GraphQLError('No query, nor a registered document by that hash')];
        let document: ReturnType<typeof parse>;
        try {
          document = parse(query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const params = ctx.connectionParams ?? {};
        const given = params.authorization ?? params.Authorization ?? ctx.extra.request.headers.authorization;
        const authorization = typeof given === 'string' ? given : undefined;
        const clientAddress = ctx.extra.request.socket.remoteAddress ?? 'unknown';
        const headers = new HeaderMap(authorization ? [['authorization', authorization]] : []);
        const context = () => options.contextFor(authorization, clientAddress);
        const { persistedQuery: _byHash, ...extensions } = payload.extensions ?? {};
        const variables = payload.variables ?? {};
        const operationName = payload.operationName ?? undefined;
        const args = (operation: Operation): ExecutionArgs => ({
          schema: unused,
          document,
          contextValue: operation,
          variableValues: variables,
          operationName,
        });
        if (getOperationAST(document, operationName)?.operation !== 'subscription') {
          const answer = options
            .execute({
              httpGraphQLRequest: {
                method: 'POST',
                headers: new HeaderMap([...headers, ['content-type', 'application/json']]),
                search: '',
                body: { query, variables, ...(operationName ? { operationName } : {}), extensions },
              },
              context,
            })
            .then((response) =>
              response.body.kind === 'complete'
                ? (JSON.parse(response.body.string) as GraphQLResult)
                : { errors: [{ message: 'Incremental answers are served over HTTP only' }] },
            );
          return args({ results: answer });
        }
        const outcome = await options.hub.subscribe({
          query,
          documentHash: createHash('sha256').update(query).digest('hex'),
          variables,
          operationName,
          extensions,
          headers,
          context,
        });
        if ('refusal' in outcome) {
          const body = outcome.refusal.body.kind === 'complete' ? outcome.refusal.body.string : '{}';
          const { errors = [] } = JSON.parse(body) as GraphQLResult;
          return errors.map(
            (error) => new GraphQLError(error.message, { extensions: error.extensions ?? {} }),
          );
        }
        const { messages } = outcome;
        // The hub's messages as graphql-ws results; returned (the client completed it or left, maybe
        // before the first read), the subscription ends.
        const results: AsyncIterableIterator<GraphQLResult> = {
          async next() {
            const step = await messages.next();
            if (step.done) return { done: true, value: undefined };
            const message = step.value;
            return {
              done: false,
              value: 'payload' in message ? message.payload : { errors: message.closed },
            };
          },
          async return() {
            await messages.return?.();
            return { done: true, value: undefined };
          },
          [Symbol.asyncIterator]() {
            return this;
          },
        };
        return args({ results });
      },
      // Our results are serialized already (formatted errors, not GraphQLError instances): sent as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result as never,
      execute: (args) => (args.contextValue as Operation).results as never,
      subscribe: (args) => (args.contextValue as Operation).results as never,
    },
    wss,
  );
  return {
    /** Closes every socket (1001, going away); the hub has sent its subscribers their last message. */
    async close() {
      await new Promise((done) => setImmediate(done));
      await server.dispose();
    },
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
