import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * What this gateway runs: one named (or the only) query or mutation of the document. Refused
 * before anything else looks at the operation: no operation of the given name, or several and
 * none named (which @apollo/gateway would throw as a 500), and subscriptions (served elsewhere).
 */
export function servedOperations(): ApolloServerPlugin {
  const hooks = {
    async didResolveOperation({ operation, request }) {
      if (!operation) {
        const name = request.operationName;
        throw new GraphQLError(name ? `Unknown operation named "${name}"` : 'Name the operation to run', {
          extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
        });
      }
      if (operation.operation === 'subscription')
        throw new GraphQLError('This gateway serves queries and mutations, not subscriptions', {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
    },
  } satisfies Awaited<ReturnType<NonNullable<ApolloServerPlugin['requestDidStart']>>>;
  return { requestDidStart: async () => hooks };
}
