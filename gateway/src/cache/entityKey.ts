/** An entity as the query plan sends it to a subgraph: its type and key fields. */
export type Representation = { __typename: string } & Record<string, unknown>;

/**
 * An entity's identity within a fetch and in the cache: its type and key fields. Every key in this
 * supergraph is `id`, so the usual representation (`{ __typename, id }`) costs one string
 * concatenation, with no copy and no serialization; anything else falls back to its fields in
 * sorted order, so two representations of one entity always get the same key.
 */
export function entityKey(rep: Representation): string {
  const { __typename, id } = rep;
  let fields = 0;
  for (const _ in rep) fields++;
  if (fields === 2 && typeof id === 'string') return `${__typename}:${id}`;
  const names = Object.keys(rep)
    .filter((name) => name !== '__typename')
    .sort();
  return `${__typename}:${JSON.stringify(names.map((name) => [name, rep[name]]))}`;
}
