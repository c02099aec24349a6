import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import type { EventBusOptions } from '@msd/events';
import {
  type BackgroundProcess,
  createHttpServer,
  createLogger,
  formatError,
  operationMetricsPlugin,
  runChecks,
  SERVICE_TOKEN_HEADER,
  serverLifecycle,
  serviceToken,
} from '@msd/service-kit';
import { createEntityCache, type EntityCacheConfig } from './cache/entityCache.ts';
import { entityInvalidation } from './cache/entityInvalidation.ts';
import { createSubgraphDataSource } from './createSubgraphDataSource.ts';
import {
  type ResilienceConfig,
  resilienceConfig,
  type SubgraphResilience,
  subgraphResilience,
} from './resilience/subgraphResilience.ts';

export interface GatewayOptions {
  /** Supergraph SDL file; `SUPERGRAPH_PATH`, else the committed supergraph/supergraph.graphql. */
  supergraphPath?: string;
  /** Subgraph URLs by name, overriding the supergraph's (else `<NAME>_URL` from the environment). */
  subgraphUrls?: Record<string, string>;
  /** The event bus: its Redis holds the entity cache, and its update events invalidate it. */
  events?: EventBusOptions;
  /** Entity cache settings (types and TTLs); undefined or no `events` turns the cache off. */
  entityCache?: EntityCacheConfig | undefined;
  /** Resilience settings per subgraph name, overriding the environment's. */
  resilience?: Record<string, Partial<ResilienceConfig>>;
}

const defaultSupergraph = fileURLToPath(new URL('../../supergraph/supergraph.graphql', import.meta.url));

/**
 * The federation gateway: Apollo Gateway with a static supergraph inside Apollo Server. It owns no
 * data; it plans each query across the subgraphs (`_entities` fetches) and merges the answers.
 */
export function createGatewayServer(options: GatewayOptions = {}) {
  const logger = createLogger('gateway');
  const supergraphPath = options.supergraphPath ?? process.env.SUPERGRAPH_PATH ?? defaultSupergraph;
  const token = serviceToken();
  const urls = new Map<string, string>();
  const policies = new Map<string, SubgraphResilience>();
  const cache =
    options.events && options.entityCache
      ? createEntityCache(options.entityCache, options.events, logger)
      : undefined;
  // With events, the gateway always drains its invalidation queues, cache or not, so they never pile up.
  const background: BackgroundProcess[] = options.events
    ? entityInvalidation(cache, options.events, logger)
    : [];
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService({ name, url }) {
      const resolved = options.subgraphUrls?.[name] ?? process.env[`${name.toUpperCase()}_URL`] ?? url;
      if (!resolved)
        throw new Error(`Subgraph "${name}" has no URL in the supergraph nor ${name.toUpperCase()}_URL`);
      urls.set(name, resolved);
      const resilience = subgraphResilience(name, {
        ...resilienceConfig(name),
        ...options.resilience?.[name],
      });
      policies.set(name, resilience);
      return createSubgraphDataSource({ name, url: resolved, token, logger, resilience, cache });
    },
  });
  const apollo = new ApolloServer({
    gateway,
    formatError: formatError(logger),
    includeStacktraceInErrorResponses: false,
    // serve() owns the signals: it drains within a deadline; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    plugins: [
      operationMetricsPlugin(),
      process.env.NODE_ENV === 'production'
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
    ],
  });
  const http = createHttpServer({
    apollo,
    logger,
    context: async () => ({}),
    graphqlPaths: ['/', '/graphql'],
    ready: () =>
      runChecks(
        Object.fromEntries(
          [...urls].map(([name, url]) => [name, () => pingSubgraph(url, token, policies.get(name)?.state())]),
        ),
      ),
  });
  return {
    name: 'gateway',
    logger,
    http,
    background,
    ...serverLifecycle(apollo, http, async () => cache?.close(), background),
  };
}

/**
 * A subgraph is ready when it answers a GraphQL query with the service credential, within 2 s, and
 * the gateway's circuit to it is not open.
 */
async function pingSubgraph(url: string, token: string, circuit = 'closed'): Promise<void> {
  if (circuit === 'open') throw new Error('circuit open: failing fast');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token },
    body: JSON.stringify({ query: '{ __typename }' }),
    signal: AbortSignal.timeout(2_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

export { type EntityCacheConfig, entityCacheConfig } from './cache/entityCache.ts';
export { type ResilienceConfig, resilienceConfig } from './resilience/subgraphResilience.ts';
