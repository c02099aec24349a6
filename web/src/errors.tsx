import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import type { GraphQLFormattedError } from 'graphql';

/** What each typed gateway error means to the person using the app. */
const inWords: Record<string, string> = {
  UNAUTHENTICATED: 'You are not signed in, or your sign-in has expired. Sign in again.',
  FORBIDDEN: 'Your role may not do this. Sign in with a role that may.',
  BAD_USER_INPUT: 'Some of what you entered is not accepted',
  NOT_FOUND: 'It does not exist (any more).',
  CONFLICT: 'Someone else is changing this right now. Try again in a moment.',
  PARTICIPANT_FAILED: 'A service taking part did not answer, so nothing was changed anywhere.',
  COMMIT_PENDING: 'The change is decided and being completed everywhere; it will show shortly.',
  SERVICE_UNAVAILABLE: 'A service is unavailable right now.',
  RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  OPERATION_LIMIT_EXCEEDED: 'This request is too large for the gateway.',
  PERSISTED_QUERY_NOT_FOUND: 'This version of the app is not registered with the gateway. Reload the page.',
  PERSISTED_QUERY_NOT_IN_LIST: 'The gateway runs registered operations only.',
};

/** One sentence per error: what it means, then the service's own message. */
export function describeError(error: GraphQLFormattedError): string {
  const code = error.extensions?.code;
  const meaning = typeof code === 'string' ? inWords[code] : undefined;
  return meaning ? `${meaning} (${error.message})` : error.message;
}

/** Errors of a GraphQL answer or of the request itself, as sentences. */
export function errorSentences(
  error: unknown,
  graphqlErrors: readonly GraphQLFormattedError[] = [],
): string[] {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map(describeError);
  if (ServerError.is(error)) {
    // A refusal before execution (a limit, a bad token) comes as HTTP 4xx with GraphQL errors in the body.
    try {
      const body = JSON.parse(error.bodyText) as { errors?: GraphQLFormattedError[] };
      if (body.errors?.length) return body.errors.map(describeError);
    } catch {}
    return [`The gateway answered HTTP ${error.statusCode}. Try again.`];
  }
  if (error instanceof Error) return [`The gateway cannot be reached (${error.message}). Try again.`];
  return graphqlErrors.map(describeError);
}

/** An alert that reads the errors out, with a retry button where retrying makes sense. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: (() => void) | undefined }) {
  const sentences = errorSentences(error);
  if (sentences.length === 0) return null;
  return (
    <div role="alert" className="error">
      {sentences.map((sentence) => (
        <p key={sentence}>{sentence}</p>
      ))}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
