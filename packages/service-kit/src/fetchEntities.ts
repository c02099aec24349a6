import type { ServiceClient } from './createServiceClient.ts';

/**
 * Reads entities of another service by id in one request, through the same `_entities` field the
 * gateway's query plans use: the owner's batched reference resolver, so one call is one SQL
 * statement there. Ids the owner does not know come back as absent from the map.
 */
export async function fetchEntities<TEntity extends { id: string }>(
  client: ServiceClient,
  typename: string,
  ids: readonly string[],
  selection: string,
): Promise<Map<string, TEntity>> {
  const data = await client.request<{ _entities: (TEntity | null)[] }>(
    `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on ${typename} { id ${selection} } } }`,
    { representations: ids.map((id) => ({ __typename: typename, id })) },
  );
  return new Map(data._entities.filter((e): e is TEntity => e !== null).map((e) => [e.id, e]));
}
