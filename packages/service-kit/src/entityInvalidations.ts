import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/**
 * An entity a mutation changed, in Apollo Router's format for subgraph-driven cache invalidation
 * (`extensions.invalidation` of a subgraph response): the router drops its cached copy.
 */
export interface EntityInvalidation {
  kind: 'entity';
  /** The subgraph whose cached fields of the entity are stale (its owner). */
  subgraph: string;
  type: string;
  key: Record<string, string>;
}

/** The per-request list a resolver adds to; the plugin below sends it with the response. */
export interface InvalidationContext extends BaseContext {
  invalidations: EntityInvalidation[];
}

/**
 * Adds the invalidations a request's resolvers recorded to its response, so the gateway drops those
 * entities from its cache before the answer reaches the client. A service that caches nothing
 * knows nothing of the gateway's cache: it only says what it changed.
 */
export const entityInvalidationsPlugin: ApolloServerPlugin<InvalidationContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single' || contextValue.invalidations.length === 0) return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, invalidation: contextValue.invalidations };
      },
    };
  },
};
