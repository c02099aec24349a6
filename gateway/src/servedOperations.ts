import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { IncrementalContext } from './incremental/incrementalDelivery.ts';

/**
 * What this gateway runs: one named (or the only) query or mutation of the document. Refused
 * before anything else looks at the operation: no operation of the given name, or several and
 * none named (which @apollo/gateway would throw as a 500), and subscriptions, except for their
 * admission (subscriptions/: they run as queries, one per payload).
 */
export function servedOperations(): ApolloServerPlugin<IncrementalContext> {
  const hooks = {
    async didResolveOperation({ operation, request, contextValue }) {
      if (!operation) {
        const name = request.operationName;
        throw new GraphQLError(name ? `Unknown operation named "${name}"` : 'Name the operation to run', {
          extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
        });
      }
      if (operation.operation === 'subscription' && contextValue.incremental?.role !== 'admission')
        throw new GraphQLError(SUBSCRIPTION_TRANSPORTS, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
    },
  } satisfies Awaited<ReturnType<NonNullable<ApolloServerPlugin<IncrementalContext>['requestDidStart']>>>;
  return { requestDidStart: async () => hooks };
}

/** Where subscriptions are served, for a client that asked elsewhere. */
export const SUBSCRIPTION_TRANSPORTS =
  'Subscriptions are served over multipart HTTP (POST with Accept: multipart/mixed;subscriptionSpec="1.0") and over graphql-ws (WebSocket at /graphql)';
