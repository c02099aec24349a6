/**
 * The writes that drive the event path: `updateProduct(name)` round-robin over the products, a new
 * name each time, and what a successful answer looks like.
 */
import type { Check } from '../harness/index.ts';

/** The bodies of `updateProduct(name)`, round-robin over the products, a new name each time. */
export function productUpdates(productIds: readonly string[]): () => string {
  const query =
    'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { version } }';
  let seq = 0;
  return () => {
    const index = seq % productIds.length;
    return JSON.stringify({
      query,
      variables: { id: productIds[index], name: `Product ${index} #${seq++}` },
    });
  };
}

export const updated: Check = (body) => {
  const answer = JSON.parse(body) as {
    data?: { updateProduct?: unknown } | null;
    errors?: { message: string }[];
  };
  return answer.data?.updateProduct ? undefined : (answer.errors?.[0]?.message ?? 'no data').slice(0, 80);
};
