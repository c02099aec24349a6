import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  type Caller,
  CONSISTENCY_ENTRIES_HEADER,
  CONSISTENCY_TOKEN_HEADER,
  createHttpClient,
  formatEntries,
  type Logger,
  metrics,
  REQUEST_ID_HEADER,
  SERVICE_TOKEN_HEADER,
} from '@msd/service-kit';
import { Counter } from 'prom-client';
import type { EntityCache } from './cache/entityCache.ts';
import { applySubgraphInvalidations } from './cache/subgraphInvalidations.ts';
import type { GatewayConsistency } from './consistency/consistencyTokens.ts';
import { collectSubgraphConsistency } from './consistency/subgraphConsistency.ts';
import type { IncrementalContext } from './incremental/incrementalDelivery.ts';
import type { SubgraphRequest } from './incremental/sharedFetches.ts';
import type { SubgraphResilience } from './resilience/subgraphResilience.ts';

export interface SubgraphFetchOptions {
  name: string;
  url: string;
  token: string;
  logger: Logger;
  resilience: SubgraphResilience;
  /** Where a subgraph's `extensions.invalidation` drops entities. */
  cache: EntityCache | undefined;
  /** Identical queries in flight at once are sent once and their answer shared. */
  collapse: boolean;
}

/** Sends one fetch of a query plan; never throws (a failure is GraphQL errors, see below). */
export interface SubgraphFetch {
  (request: GraphQLDataSourceProcessOptions, representations?: unknown[]): Promise<GatewayGraphQLResponse>;
  close(): Promise<void>;
}

const collapsedFetches = new Counter({
  name: 'subgraph_fetches_collapsed_total',
  help: 'Subgraph queries not sent because an identical one (same text, variables and caller) was in flight; its answer was shared',
  labelNames: ['subgraph'] as const,
  registers: [metrics],
});

/** A subgraph's answer, checked inside the resilience policy: parsed once, its text kept for sharing. */
interface Answer {
  status: number;
  text: string;
  body: GatewayGraphQLResponse | undefined;
}

/**
 * The fetch side of the gateway's client for one subgraph.
 * - Every request carries the service credential (clients never see it) and the caller the
 *   gateway verified (subject and scopes, replacing any such header a client might have sent); it
 *   goes through the subgraph's resilience policy (time budget, retries for queries, circuit
 *   breaker) over the shared HTTP client.
 * - With `collapse`, a query identical to one in flight (same text, variables and headers, so the
 *   same caller) is not sent: it waits for that answer, or that error. Mutations are always sent.
 *   Each caller parses the shared text itself, as @apollo/gateway merges into what it receives.
 * - Entities a subgraph's answer says it changed are dropped from the cache before the answer
 *   goes on (`extensions.invalidation`).
 * - The verified entries of the client's consistency token go to the subgraph; what it wrote and
 *   how it honoured them come back in its extensions, into the request's token state.
 * - A subgraph that cannot answer yields GraphQL errors instead of a thrown error: for an entity
 *   fetch, one per representation with the path `_entities.<i>`, which the gateway rewrites to the
 *   client's path (`rides.3.driver`). Only the fields that subgraph owns become null, each with an
 *   error naming it; the rest of the answer stands.
 */
export function createSubgraphFetch(options: SubgraphFetchOptions): SubgraphFetch {
  const { name, logger, cache, resilience } = options;
  const client = createHttpClient(options.url, { timeoutMs: resilience.config.timeoutMs });
  const inFlight = new Map<string, Promise<Answer>>();
  const collapsed = collapsedFetches.labels({ subgraph: name });

  const send = async (body: string, headers: Record<string, string>, mutation: boolean) => {
    const answer = await resilience.call(mutation, async (signal): Promise<Answer> => {
      const { status, text } = await client.post(body, headers, signal);
      // Parsed inside the attempt: a 2xx answer that is not JSON is a failure, retried like any other.
      return { status, text, body: status >= 200 && status < 300 ? JSON.parse(text) : undefined };
    });
    if (answer.status >= 300 || typeof answer.body !== 'object' || answer.body === null)
      throw new Error(`${name} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    return answer as Answer & { body: GatewayGraphQLResponse };
  };

  const sendOnce = async (body: string, headers: Record<string, string>): Promise<GatewayGraphQLResponse> => {
    const key = body + headersKey(headers);
    const pending = inFlight.get(key);
    if (pending) {
      collapsed.inc();
      return JSON.parse((await pending).text) as GatewayGraphQLResponse;
    }
    const sent = send(body, headers, false);
    inFlight.set(key, sent);
    try {
      return (await sent).body;
    } finally {
      inFlight.delete(key);
    }
  };

  const fetch = async (
    request: GraphQLDataSourceProcessOptions,
    representations?: unknown[],
  ): Promise<GatewayGraphQLResponse> => {
    try {
      const headers = headersFor(request, options.token);
      const mutation = isMutation(request);
      const sendQuery = async ({ query, variables, operationName, extensions }: SubgraphRequest) => {
        const body = JSON.stringify({ query, variables, operationName, extensions });
        return options.collapse && !mutation
          ? await sendOnce(body, headers)
          : (await send(body, headers, mutation)).body;
      };
      // The parts of one @defer request share their fetches (the fragments' parents are fetched once).
      const shared = (request.context as IncrementalContext).incremental?.shared;
      const response =
        shared && !mutation
          ? await shared.fetch(name, request.request, headersKey(headers), sendQuery)
          : await sendQuery(request.request);
      const consistency = (request.context as { consistency?: GatewayConsistency }).consistency;
      return await applySubgraphInvalidations(
        collectSubgraphConsistency(response, consistency),
        cache,
        logger,
      );
    } catch (error) {
      logger.warn('subgraph request failed', { subgraph: name, error });
      const failure = {
        message: `The ${name} service is unavailable`,
        extensions: { code: 'SERVICE_UNAVAILABLE', service: name },
      };
      return {
        errors: Array.isArray(representations)
          ? representations.map((_, index) => ({ ...failure, path: ['_entities', index] }))
          : [failure],
      };
    }
  };
  return Object.assign(fetch, { close: () => client.close() });
}

/** The headers as a key of identical fetches: all but the request id, so the same caller and credential. */
function headersKey(headers: Record<string, string>): string {
  let key = '';
  for (const header in headers) if (header !== REQUEST_ID_HEADER) key += `\0${header}\0${headers[header]}`;
  return key;
}

/** The headers of every call to the subgraph (the shared client adds the request id). */
function headersFor(request: GraphQLDataSourceProcessOptions, token: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [header, value] of request.request.http?.headers ?? []) headers[header] = value;
  headers[SERVICE_TOKEN_HEADER] = token;
  const caller = (request.context as { caller?: Caller }).caller;
  delete headers[CALLER_SUBJECT_HEADER];
  if (caller?.subject) headers[CALLER_SUBJECT_HEADER] = caller.subject;
  headers[CALLER_SCOPES_HEADER] = caller?.scopes.join(' ') ?? '';
  // Subgraphs get what the gateway verified of the client's token, never the token itself.
  delete headers[CONSISTENCY_TOKEN_HEADER];
  delete headers[CONSISTENCY_ENTRIES_HEADER];
  const required = (request.context as { consistency?: GatewayConsistency }).consistency?.required;
  if (required && required.length > 0) headers[CONSISTENCY_ENTRIES_HEADER] = formatEntries(required);
  return headers;
}

/**
 * Whether a fetch may change data (and so must never be sent twice, nor shared): from the fetch's
 * document when the gateway exposes it, else from its text, which the query planner prints with the
 * operation keyword first. Neither parses anything.
 */
function isMutation(request: GraphQLDataSourceProcessOptions): boolean {
  const document = 'document' in request ? request.document : undefined;
  if (document)
    return document.definitions.some(
      (definition) => definition.kind === 'OperationDefinition' && definition.operation === 'mutation',
    );
  const query = request.request.query;
  return query === undefined || query.trimStart().startsWith('mutation');
}
