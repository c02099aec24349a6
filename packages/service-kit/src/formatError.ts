import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Logger } from './createLogger.ts';

/**
 * Errors the code raised on purpose (a GraphQLError with a code) reach the client as they are.
 * Anything else is a bug or an outage: it is logged in full here and the client gets a generic
 * message, so database errors and stack traces never leak.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    if (original instanceof GraphQLError || code !== 'INTERNAL_SERVER_ERROR') return formatted;
    logger.error('unexpected error', { error: original, path: formatted.path });
    return { ...formatted, message: 'Internal server error' };
  };
}
