import { GraphQLError } from 'graphql';

/** The client sent something we cannot accept; nothing was changed. */
export function badUserInput(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...details } });
}

/** The client named something that does not exist; nothing was changed. */
export function notFound(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND', ...details } });
}

/** The caller may not do or see this (its token lacks the scope, or the data is someone else's); nothing was changed. */
export function forbidden(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', ...details } });
}

/** The change collides with another one in progress (a concurrent rename); nothing was changed. */
export function conflict(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'CONFLICT', ...details } });
}

/** A participant of a coordinated change refuses a step (`reason` says why); nothing was changed. */
export function refused(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'REFUSED', ...details } });
}

/**
 * A service this one depends on did not answer usefully; nothing was changed. `details` carries
 * what the caller may act on, e.g. `upstreamCode`: the code of the error the service answered with.
 */
export function serviceUnavailable(
  service: string,
  cause: string,
  details: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(`The ${service} service is unavailable: ${cause}`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', service, ...details },
  });
}
