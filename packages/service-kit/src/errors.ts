import { GraphQLError } from 'graphql';

/** The client sent something we cannot accept; nothing was changed. */
export function badUserInput(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...details } });
}

/** The client named something that does not exist; nothing was changed. */
export function notFound(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND', ...details } });
}

/** A service this one depends on did not answer usefully; nothing was changed. */
export function serviceUnavailable(service: string, cause: string): GraphQLError {
  return new GraphQLError(`The ${service} service is unavailable: ${cause}`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', service },
  });
}
