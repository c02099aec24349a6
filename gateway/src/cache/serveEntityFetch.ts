import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Caller } from '@msd/service-kit';
import type { AccessPolicy } from '../access/readAccessPolicy.ts';
import type { EntityCache, Representation } from './entityCache.ts';
import { entityKey } from './entityKey.ts';

type GraphQLError = NonNullable<GatewayGraphQLResponse['errors']>[number];

export interface EntityFetchOptions {
  /** The subgraph the fetch goes to. */
  subgraph: string;
  cache: EntityCache | undefined;
  /** Which entity types' answers depend on the caller: cached per caller, never shared. */
  policy: Pick<AccessPolicy, 'callerDependentTypes'>;
  /** Sends what is left to the subgraph; `representations` are those it sends, for its errors. */
  fetch: (
    request: GraphQLDataSourceProcessOptions,
    representations?: unknown[],
  ) => Promise<GatewayGraphQLResponse>;
}

/**
 * The lookup side of the gateway's client for one subgraph: what a fetch needs to send at all.
 * - An entity fetch sends each distinct entity once, however often the answer uses it (an order
 *   page names the same product in many items), and spreads the answers back over the positions.
 * - Entity fetches of a query are served from the entity cache where possible: only the misses
 *   are sent, and the answers are merged back in representation order. An entity type whose
 *   answers depend on the caller (it carries access rules, so its subgraph checks ownership or
 *   scopes) is cached under a key that includes the caller's subject and scopes: a cached entity
 *   is only ever served to the caller whose rights fetched it.
 * Any other fetch goes to `fetch` unchanged.
 */
export async function serveEntityFetch(
  request: GraphQLDataSourceProcessOptions,
  { subgraph, cache, policy, fetch }: EntityFetchOptions,
): Promise<GatewayGraphQLResponse> {
  const representations = request.request.variables?.representations as Representation[] | undefined;
  if (!Array.isArray(representations) || representations.length === 0 || !request.request.query)
    return fetch(request, representations);
  const cacheable =
    cache !== undefined &&
    'incomingRequestContext' in request &&
    request.incomingRequestContext.operation?.operation === 'query' &&
    representations.every((rep) => cache.caches(subgraph, rep.__typename));

  const { distinct, slotOf } = distinctRepresentations(representations);
  if (!cacheable && distinct.length === representations.length) return fetch(request, representations);
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
  const response = await fetch(
    {
      ...request,
      request: { ...request.request, variables: { ...request.request.variables, representations: missed } },
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
          ? [{ rep: missed[k] as Representation, generation: found[j]?.generation ?? '', entity: fetched[k] }]
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
