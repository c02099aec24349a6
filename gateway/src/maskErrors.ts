import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '@msd/service-kit';
import type { GraphQLFormattedError } from 'graphql';

/** Codes a client may see with their message: each says what the client can do about it. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'NOT_FOUND',
  'CONFLICT',
  'COMMIT_PENDING',
  'REFUSED',
  'PARTICIPANT_FAILED',
  'SERVICE_UNAVAILABLE',
  'STALE_READ',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'OPERATION_LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
]);

/**
 * The gateway's last word on errors: one whose code is in the public list reaches the client as it
 * is (without stack traces); any other (a subgraph's internal error, an SQL message a subgraph let
 * through, a bug here) is logged in full and the client gets `Internal server error` with its path.
 */
export function maskErrors(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = unwrapResolverError(error);
    logger.error('internal error masked', {
      error: original,
      message: formatted.message,
      code,
      stack: (original as Error)?.stack,
      path: formatted.path,
      service: formatted.extensions?.serviceName,
    });
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
