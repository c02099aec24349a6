/**
 * `renameProduct` through the gateway as an operator, and the order database's view of the copies:
 * how many carry a name, and how long until all of them do (polled in SQL every 2 ms).
 */
import { graphqlRequest } from '@msd/testing';
import type pg from 'pg';
import { poll } from '../harness/index.ts';

export type Consistency = 'STRONG' | 'EVENTUAL';

export function renameProbes(options: {
  gatewayUrl: string;
  orderDb: pg.Pool;
  convergeTimeoutMs: number;
  signal: AbortSignal;
}) {
  const copiesNamed = async (productId: string, name: string) =>
    (
      await options.orderDb.query<{ named: number; total: number }>(
        'SELECT count(*) FILTER (WHERE product_name = $2)::int AS named, count(*)::int AS total FROM order_items WHERE product_id = $1',
        [productId, name],
      )
    ).rows[0] ?? { named: 0, total: 0 };
  return {
    copiesNamed,
    /** ms from `since` until every copy holds `name`; NaN when they did not within the limit. */
    async converged(productId: string, name: string, since: number) {
      const polled = await poll(
        () => copiesNamed(productId, name),
        ({ named, total }) => named === total,
        { intervalMs: 2, timeoutMs: options.convergeTimeoutMs, signal: options.signal },
      );
      return polled.met ? performance.now() - since : Number.NaN;
    },
    /** One rename, timed by the client from sending to the answer. */
    async rename(id: string, name: string, consistency: Consistency) {
      const started = performance.now();
      const response = await graphqlRequest<{ renameProduct: { id: string; version: number } }>(
        options.gatewayUrl,
        'mutation ($id: ID!, $name: String!, $c: Consistency!) { renameProduct(id: $id, name: $name, consistency: $c) { id version } }',
        { id, name, c: consistency },
        { as: 'operator' },
      );
      const returnedAt = performance.now();
      return { response, latencyMs: returnedAt - started, returnedAt };
    },
  };
}
