import { createHash } from 'node:crypto';
import type { HTTPGraphQLRequest } from '@apollo/server';

/** A POSTed GraphQL operation, its text resolved (a trusted document may be sent by its hash alone). */
export interface PostedOperation {
  body: Record<string, unknown>;
  query: string;
  /** sha256 of the document's text. */
  documentHash: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** The request's extensions without `persistedQuery` (the text is sent whole from here on). */
  extensions: Record<string, unknown>;
}

/**
 * The operation of a POST request, for the handlers that answer before Apollo Server (@defer,
 * multipart subscriptions); undefined for anything else, which they hand on unchanged. `wanted` is
 * a cheap look at the text before any parse or hash.
 */
export async function postedOperation(
  request: HTTPGraphQLRequest,
  lookupDocument: (hash: string) => Promise<string | undefined>,
  wanted: (query: string) => boolean,
): Promise<PostedOperation | undefined> {
  const body = request.body as Record<string, unknown> | undefined;
  if (request.method !== 'POST' || typeof body !== 'object' || body === null || Array.isArray(body))
    return undefined;
  const { persistedQuery, ...extensions } = (body.extensions ?? {}) as Record<string, unknown> & {
    persistedQuery?: { sha256Hash?: unknown };
  };
  const hash = persistedQuery?.sha256Hash;
  const query =
    typeof body.query === 'string'
      ? body.query
      : typeof hash === 'string'
        ? await lookupDocument(hash)
        : undefined;
  if (!query || !wanted(query)) return undefined;
  return {
    body,
    query,
    documentHash: createHash('sha256').update(query).digest('hex'),
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    variables: (typeof body.variables === 'object' && (body.variables as Record<string, unknown>)) || {},
    extensions,
  };
}
