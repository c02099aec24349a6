import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
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
import { applySubgraphInvalidations } from './cache/subgraphInvalidations.ts';
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

/**
 * The gateway's client for one subgraph.
 * - Every request carries the service credential (clients never see it) and the caller the
 *   gateway verified (subject and scopes, replacing any such header a client might have sent); it
 *   goes through the
 *   subgraph's resilience policy (time budget, retries for queries, circuit breaker).
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
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): RemoteGraphQLDataSource {
  const { name, logger, cache, policy } = options;
  return new (class extends RemoteGraphQLDataSource {
    override async process(request: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
      const representations = request.request.variables?.representations as Representation[] | undefined;
      const cacheable =
        cache &&
        Array.isArray(representations) &&
        representations.length > 0 &&
        'incomingRequestContext' in request &&
        request.incomingRequestContext.operation?.operation === 'query' &&
        representations.every((rep) => cache.caches(name, rep.__typename));
      if (!cacheable || !request.request.query) return this.fetchOrFail(request, representations);

      // Each distinct entity is looked up, fetched and stored once, however often the answer uses it.
      const keys = representations.map((rep) => cache.keyOf(rep));
      const positions = new Map<string, number[]>();
      for (const [i, key] of keys.entries()) positions.set(key, [...(positions.get(key) ?? []), i]);
      const distinctKeys = [...positions.keys()];
      const distinct = distinctKeys.map(
        (key) => representations[positions.get(key)?.[0] ?? 0] as Representation,
      );
      const caller = (request.context as { caller?: Caller }).caller;
      const perCaller = representations.some((rep) => policy.callerDependentTypes.has(rep.__typename));
      const selection = cache.selectionOf(
        request.request.query,
        perCaller ? `${caller?.subject ?? ''}|${[...(caller?.scopes ?? [])].sort().join(' ')}` : '',
      );
      const found = await cache.lookup(distinct, selection);
      const entityOf = new Map(distinctKeys.map((key, j) => [key, found[j]?.hit]));
      const misses = found.flatMap((entry, j) => (entry.hit === undefined ? [j] : []));
      if (misses.length === 0) return { data: { _entities: keys.map((key) => entityOf.get(key)) } };

      const missed = misses.map((j) => distinct[j] as Representation);
      const response = await this.fetchOrFail(
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
      const failed = new Set(
        (response.errors ?? []).map((error) => error.path?.[1]).filter((i) => typeof i === 'number'),
      );
      await cache.store(
        misses.flatMap((j, k) =>
          fetched[k] != null && !failed.has(k)
            ? [
                {
                  rep: distinct[j] as Representation,
                  generation: found[j]?.generation ?? '',
                  entity: fetched[k],
                },
              ]
            : [],
        ),
        selection,
      );
      for (const [k, j] of misses.entries()) entityOf.set(distinctKeys[j] ?? '', fetched[k] ?? null);
      return {
        ...response,
        data:
          response.data || misses.length < distinct.length
            ? { ...response.data, _entities: keys.map((key) => entityOf.get(key) ?? null) }
            : null,
        // An error about the k-th fetched entity is about every position of that entity in the answer.
        errors: response.errors?.flatMap((error) =>
          remapEntityPath(
            error,
            misses.map((j) => positions.get(distinctKeys[j] ?? '') ?? []),
          ),
        ),
      };
    }

    private async fetchOrFail(
      request: GraphQLDataSourceProcessOptions,
      representations: Representation[] | undefined,
    ): Promise<GatewayGraphQLResponse> {
      try {
        return await applySubgraphInvalidations(await super.process(request), cache, logger);
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
    }
  })({
    url: options.url,
    fetcher: options.resilience.fetcher as RemoteGraphQLDataSource['fetcher'],
    willSendRequest({ request, context }) {
      const headers = request.http?.headers;
      if (!headers) return;
      headers.set(SERVICE_TOKEN_HEADER, options.token);
      const caller = (context as { caller?: Caller }).caller;
      headers.delete(CALLER_SUBJECT_HEADER);
      if (caller?.subject) headers.set(CALLER_SUBJECT_HEADER, caller.subject);
      headers.set(CALLER_SCOPES_HEADER, caller?.scopes.join(' ') ?? '');
      // The client's request id follows the plan into every subgraph's log lines.
      const requestId = currentRequestContext()?.requestId;
      if (requestId) headers.set(REQUEST_ID_HEADER, requestId);
    },
  });
}

/** An error about the k-th fetched entity becomes one error per position of that entity in the answer. */
function remapEntityPath(error: GraphQLError, positions: number[][]): GraphQLError[] {
  const [root, index, ...rest] = error.path ?? [];
  if (root !== '_entities' || typeof index !== 'number') return [error];
  return (positions[index] ?? [index]).map((position) => ({
    ...error,
    path: ['_entities', position, ...rest],
  }));
}
