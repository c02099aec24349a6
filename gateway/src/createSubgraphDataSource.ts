import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Logger } from '@msd/service-kit';
import type { AccessPolicy } from './access/readAccessPolicy.ts';
import type { EntityCache } from './cache/entityCache.ts';
import { serveEntityFetch } from './cache/serveEntityFetch.ts';
import { createSubgraphFetch } from './createSubgraphFetch.ts';
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
  /** Identical queries in flight at once are sent once (default on). */
  collapse?: boolean;
  /** The answer of a fetch the pass-through made already in this request (`passThrough/`). */
  made?: (subgraph: string, request: GraphQLDataSourceProcessOptions) => GatewayGraphQLResponse | undefined;
}

/** A data source that also releases its connections. */
export interface SubgraphDataSource extends GraphQLDataSource {
  close(): Promise<void>;
}

/**
 * The gateway's client for one subgraph: the entity lookup (deduplication, entity cache) decides
 * what must be sent, and the subgraph fetch sends it (credential, caller, resilience, collapsing). A
 * fetch the pass-through made already is answered from that answer: the subgraph is called once.
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): SubgraphDataSource {
  const fetch = createSubgraphFetch({ ...options, collapse: options.collapse ?? true });
  const lookup = { subgraph: options.name, cache: options.cache, policy: options.policy, fetch };
  return {
    process: (request) => {
      const made = options.made?.(options.name, request);
      return made ? Promise.resolve(made) : serveEntityFetch(request, lookup);
    },
    close: () => fetch.close(),
  };
}
