import type { GraphQLDataSource } from '@apollo/gateway';
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
}

/** A data source that also releases its connections. */
export interface SubgraphDataSource extends GraphQLDataSource {
  close(): Promise<void>;
}

/**
 * The gateway's client for one subgraph: the entity lookup (deduplication, entity cache) decides
 * what must be sent, and the subgraph fetch sends it (credential, caller, resilience, collapsing).
 */
export function createSubgraphDataSource(options: SubgraphDataSourceOptions): SubgraphDataSource {
  const fetch = createSubgraphFetch({ ...options, collapse: options.collapse ?? true });
  const lookup = { subgraph: options.name, cache: options.cache, policy: options.policy, fetch };
  return {
    process: (request) => serveEntityFetch(request, lookup),
    close: () => fetch.close(),
  };
}
