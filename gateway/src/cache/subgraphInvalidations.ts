import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { EntityInvalidation, Logger } from '@msd/service-kit';
import type { EntityCache } from './entityCache.ts';

/**
 * Drops from the entity cache what a subgraph's answer says it changed (`extensions.invalidation`,
 * Apollo Router's format), before that answer goes on to the client: a read after a STRONG rename
 * returns never sees the old name, whether or not the update event has reached the gateway yet.
 * The extension is the gateway's business only and never reaches the client. If the cache cannot
 * be reached, the answer still goes out; the owner's update event drops the entry later.
 */
export async function applySubgraphInvalidations(
  response: GatewayGraphQLResponse,
  cache: EntityCache | undefined,
  logger: Logger,
): Promise<GatewayGraphQLResponse> {
  const invalidations = response.extensions?.invalidation as EntityInvalidation[] | undefined;
  if (!invalidations) return response;
  const { invalidation: _, ...extensions } = response.extensions ?? {};
  const entities = invalidations.filter((item) => item.kind === 'entity' && typeof item.key?.id === 'string');
  if (cache) {
    await Promise.all(
      entities.map((item) =>
        cache.invalidate(item.type, item.key.id as string).catch((error: unknown) => {
          logger.warn('entity invalidation failed; the update event will drop it', {
            type: item.type,
            error,
          });
        }),
      ),
    );
  }
  return { ...response, extensions };
}
