import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  type Caller,
  currentRequestContext,
  type Logger,
  REQUEST_ID_HEADER,
  SERVICE_TOKEN_HEADER,
} from '@msd/service-kit';
import type { AccessPolicy } from './access/readAccessPolicy.ts';
import type { EntityCache, Representation } from './cache/entityCache.ts';
import { entityKey } from './cache/entityKey.ts';
import { applySubgraphInvalidations } from './cache/subgraphInvalidations.ts';
import { createSubgraphClient } from './resilience/createSubgraphClient.ts';
import type { SubgraphResilience } from './resilience/subgraphResilience.ts';

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  token: string;
  logger: Logger;
  resilience: SubgraphResilience;
  cache: EntityCache | undefined;
  /** Which entity types' answers depend on the caller: cached per caller, never shared. */
  policy: Pick<AccessPolicy, 'callerDependentTypes'>;
}

type GraphQLError = NonNullable<GatewayGraphQLResponse['errors']>[number];

/** A data source that also releases its connections. */
export interface SubgraphDataSource extends GraphQLDataSource {
  close(): Promise<void>;
}

/**
 * The gateway's client for one subgraph.
 * - Every request carries the service credential (clients never see it) and the caller the
 *   gateway verified (subject and scopes, replacing any such header a client might have sent); it
 *   goes through the subgraph's resilience policy (time budget, retries for queries, circuit
 *   breaker), over pooled keep-alive connections; each answer is parsed once.
 * - An entity fetch sends each distinct entity once, however often the answer uses it (an order
 *   page names the same product in many items), and spreads the answers back over the positions.
 * - Entity fetches of a query are served from the entity cache where possible: only the misses
 *   are sent, and the answers are merged back in representation order. An entity type whose
 *   answers depend on the caller (it carries access rules, so its subgraph checks ownership or
 *   scopes) is cached under a key that includes the caller's subject and scopes: a cached entity
 *   is only ever served to the caller whose rights fetched it.
 * - Entities a subgraph's answer says it changed are dropped from the cache before the answer
 *   goes on (`extensions.invalidation`).
 * - A subgraph that cannot answer yields GraphQL errors instead of a thrown error: for an entity
 *   fetch, one per representation with the path `_entities.<i>`, which the gateway rewrites to the
 *   client's path (`rides.3.driver`). Only the fields that subgraph owns become null, each with an
 *   error naming it; the rest of the answer stands.
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): SubgraphDataSource {
  const { name, logger, cache, resilience, policy } = options;
  const client = createSubgraphClient(options.url);

  /** The headers of every call to the subgraph. */
  const headersFor = (request: GraphQLDataSourceProcessOptions): Record<string, string> => {
    const headers: Record<string, string> = {};
    for (const [header, value] of request.request.http?.headers ?? []) headers[header] = value;
    headers['content-type'] = 'application/json';
    headers[SERVICE_TOKEN_HEADER] = options.token;
    const caller = (request.context as { caller?: Caller }).caller;
    delete headers[CALLER_SUBJECT_HEADER];
    if (caller?.subject) headers[CALLER_SUBJECT_HEADER] = caller.subject;
    headers[CALLER_SCOPES_HEADER] = caller?.scopes.join(' ') ?? '';
    // The client's request id follows the plan into every subgraph's log lines.
    const requestId = currentRequestContext()?.requestId;
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    return headers;
  };

  const send = async (request: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> => {
    const { query, variables, operationName, extensions } = request.request;
    const body = JSON.stringify({ query, variables, operationName, extensions });
    const answer = await resilience.call(isMutation(request), (signal) =>
      client.post(body, headersFor(request), signal),
    );
    if (answer.status >= 300 || typeof answer.body !== 'object' || answer.body === null)
      throw new Error(`${name} answered HTTP ${answer.status}: ${String(answer.body).slice(0, 200)}`);
    return answer.body as GatewayGraphQLResponse;
  };

  const fetchOrFail = async (
    request: GraphQLDataSourceProcessOptions,
    representations: unknown[] | undefined,
  ): Promise<GatewayGraphQLResponse> => {
    try {
      return await applySubgraphInvalidations(await send(request), cache, logger);
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

  return {
    async process(request: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
      const representations = request.request.variables?.representations as Representation[] | undefined;
      if (!Array.isArray(representations) || representations.length === 0 || !request.request.query)
        return fetchOrFail(request, representations);
      const cacheable =
        cache !== undefined &&
        'incomingRequestContext' in request &&
        request.incomingRequestContext.operation?.operation === 'query' &&
        representations.every((rep) => cache.caches(name, rep.__typename));

      // Each distinct entity is looked up, fetched and stored once, however often the answer uses it.
      const { distinct, slotOf } = distinctRepresentations(representations);
      if (!cacheable && distinct.length === representations.length)
        return fetchOrFail(request, representations);
      const caller = (request.context as { caller?: Caller }).caller;
      const perCaller = representations.some((rep) => policy.callerDependentTypes.has(rep.__typename));
      const selection = cacheable
        ? cache.selectionOf(
            request.request.query,
            perCaller ? `${caller?.subject ?? ''}|${[...(caller?.scopes ?? [])].sort().join(' ')}` : '',
          )
        : '';
      const found = cacheable ? await cache.lookup(distinct, selection) : undefined;
      const entities: unknown[] = found ? found.map((entry) => entry.hit) : [];
      const misses = found
        ? found.flatMap((entry, j) => (entry.hit === undefined ? [j] : []))
        : distinct.map((_, j) => j);
      if (misses.length === 0) return { data: { _entities: slotOf.map((j) => entities[j]) } };

      const missed = misses.map((j) => distinct[j] as Representation);
      const response = await fetchOrFail(
        {
          ...request,
          request: {
            ...request.request,
            variables: { ...request.request.variables, representations: missed },
          },
        },
        missed,
      );
      const fetched = (response.data?._entities as unknown[] | undefined) ?? [];
      if (found && cache) {
        const failed = new Set(
          (response.errors ?? []).map((error) => error.path?.[1]).filter((i) => typeof i === 'number'),
        );
        await cache.store(
          misses.flatMap((j, k) =>
            fetched[k] != null && !failed.has(k)
              ? [
                  {
                    rep: missed[k] as Representation,
                    generation: found[j]?.generation ?? '',
                    entity: fetched[k],
                  },
                ]
              : [],
          ),
          selection,
        );
      }
      for (const [k, j] of misses.entries()) entities[j] = fetched[k] ?? null;
      return {
        ...response,
        data:
          response.data || misses.length < distinct.length
            ? { ...response.data, _entities: slotOf.map((j) => entities[j] ?? null) }
            : null,
        // An error about the k-th fetched entity is about every position of that entity in the answer.
        errors: response.errors && remapEntityErrors(response.errors, misses, slotOf),
      };
    },
    close: () => client.close(),
  };
}

/**
 * Whether a fetch may change data (and so must never be sent twice): from the fetch's document when
 * the gateway exposes it, else from its text, which the query planner prints with the operation
 * keyword first. Neither parses anything.
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

/** The distinct entities of a fetch, and for each position the index of its entity among them. */
function distinctRepresentations(representations: Representation[]) {
  const distinct: Representation[] = [];
  const slotOf: number[] = new Array(representations.length);
  const seen = new Map<string, number>();
  for (const [i, rep] of representations.entries()) {
    const key = entityKey(rep);
    let j = seen.get(key);
    if (j === undefined) {
      j = distinct.length;
      seen.set(key, j);
      distinct.push(rep);
    }
    slotOf[i] = j;
  }
  return { distinct, slotOf };
}

/** An error about the k-th fetched entity becomes one error per position of that entity in the answer. */
function remapEntityErrors(
  errors: readonly GraphQLError[],
  misses: number[],
  slotOf: number[],
): GraphQLError[] {
  const positions: number[][] = [];
  for (const [i, j] of slotOf.entries()) {
    const list = positions[j];
    if (list) list.push(i);
    else positions[j] = [i];
  }
  return errors.flatMap((error) => {
    const [root, k, ...rest] = error.path ?? [];
    if (root !== '_entities' || typeof k !== 'number') return [error];
    const j = misses[k];
    return (j === undefined ? [k] : (positions[j] ?? [k])).map((position) => ({
      ...error,
      path: ['_entities', position, ...rest],
    }));
  });
}
