import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import {
  createHttpServer,
  createLogger,
  formatError,
  runChecks,
  SERVICE_TOKEN_HEADER,
  serverLifecycle,
  serviceToken,
} from '@msd/service-kit';
import { createSubgraphDataSource } from './createSubgraphDataSource.ts';

export interface GatewayOptions {
  /** Supergraph SDL file; `SUPERGRAPH_PATH`, else the committed supergraph/supergraph.graphql. */
  supergraphPath?: string;
  /** Subgraph URLs by name, overriding the supergraph's (else `<NAME>_URL` from the environment). */
  subgraphUrls?: Record<string, string>;
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
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService({ name, url }) {
      const resolved = options.subgraphUrls?.[name] ?? process.env[`${name.toUpperCase()}_URL`] ?? url;
      if (!resolved)
        throw new Error(`Subgraph "${name}" has no URL in the supergraph nor ${name.toUpperCase()}_URL`);
      urls.set(name, resolved);
      return createSubgraphDataSource(name, resolved, token, logger);
    },
  });
  const apollo = new ApolloServer({
    gateway,
    formatError: formatError(logger),
    includeStacktraceInErrorResponses: false,
    plugins: [
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
      runChecks(Object.fromEntries([...urls].map(([name, url]) => [name, () => pingSubgraph(url, token)]))),
  });
  return { name: 'gateway', logger, http, ...serverLifecycle(apollo, http) };
}

/** A subgraph is ready when it answers a GraphQL query with the service credential, within 2 s. */
async function pingSubgraph(url: string, token: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token },
    body: JSON.stringify({ query: '{ __typename }' }),
    signal: AbortSignal.timeout(2_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}
