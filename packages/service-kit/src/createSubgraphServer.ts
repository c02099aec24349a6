import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { ProcessName, ServiceName } from '@msd/registry';
import { type DocumentNode, Kind, visit } from 'graphql';
import { type Caller, callerFromHeaders } from './callerHeaders.ts';
import { consistencyPlugin, RequestConsistency } from './consistency.ts';
import { createHttpServer } from './createHttpServer.ts';
import { createLogger, type Logger } from './createLogger.ts';
import { formatError } from './formatError.ts';
import { entityRepresentations } from './metrics.ts';
import { operationMetricsPlugin } from './operationMetricsPlugin.ts';
import { type ConsistencyReadOptions, defaultConsistencyReadOptions } from './processConfig.ts';
import { type BackgroundProcess, type ServerLifecycle, serverLifecycle } from './serverLifecycle.ts';

export interface SubgraphOptions<TContext extends BaseContext> {
  name: ServiceName;
  /** Who may call it: the calling process of a received credential, or undefined (`ServiceCalls.callers`). */
  callers: (credential: string | undefined) => ProcessName | undefined;
  typeDefs: DocumentNode;
  /**
   * The service's resolvers, or several maps (its own, then those a library brings, e.g. the
   * dead-letter API of @msd/events) for the fields of one SDL.
   */
  // biome-ignore lint/suspicious/noExplicitAny: resolver maps are typed per service
  resolvers: GraphQLResolverMap<any> | readonly GraphQLResolverMap<any>[];
  /**
   * Called once per request: this is where per-request DataLoaders are made. `caller` is who the
   * gateway verified the request is for (anonymous for a service's own calls); `consistency` is what
   * the caller's consistency token requires of its reads, and where its mutations record what they wrote.
   */
  context: (request: { caller: Caller; consistency: RequestConsistency }) => TContext;
  /** How a read named by a consistency token waits for this service's consumer, then its owner. */
  consistencyReads?: ConsistencyReadOptions | undefined;
  /** Named readiness checks (database, ...): each resolves when its dependency answers. */
  readyChecks: Record<string, () => Promise<unknown>>;
  /** Releases what the service holds (database pools) after the HTTP server has drained. */
  onStop?: () => Promise<void>;
  /** Started once the server listens, stopped before `onStop`. */
  background?: readonly BackgroundProcess[];
  /** Apollo Server plugins of this service (e.g. `entityInvalidationsPlugin`). */
  plugins?: ApolloServerPlugin<TContext>[];
}

export interface SubgraphServer extends ServerLifecycle {
  name: string;
  logger: Logger;
  http: Server;
  /** The work running beside the HTTP server (relay, consumers, reconciler). */
  background: readonly BackgroundProcess[];
}

/**
 * Everything a subgraph shares with the others: the federated schema, the service credential
 * check, error masking, health/readiness/metrics and graceful shutdown. A service brings its SDL,
 * its resolvers and its per-request context.
 */
export function createSubgraphServer<TContext extends BaseContext>(
  options: SubgraphOptions<TContext>,
): SubgraphServer {
  const logger = createLogger(options.name);
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema(
      (Array.isArray(options.resolvers) ? options.resolvers : [options.resolvers]).map(
        (resolvers, index) => ({
          typeDefs: index === 0 ? options.typeDefs : noTypeDefs,
          resolvers,
        }),
      ),
    ),
    formatError: formatError(logger),
    includeStacktraceInErrorResponses: false,
    // serve() owns the signals: it drains within a deadline; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    // No usage reporting to Apollo Studio here, so per-field traces would be wasted work; and the
    // cache-control plugin wraps every resolver to compute hints nobody reads, unless the SDL sets some.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ...(usesCacheHints(options.typeDefs) ? [] : [ApolloServerPluginCacheControlDisabled()]),
      countRepresentations(options.name),
      operationMetricsPlugin<TContext>(),
      // A service whose context keeps `consistency` reports what it wrote and how it honoured tokens.
      consistencyPlugin<TContext>((context) => (context as { consistency?: RequestConsistency }).consistency),
      ...(options.plugins ?? []),
    ],
  });
  const http = createHttpServer<TContext>({
    apollo,
    logger,
    context: async (req) => {
      const consistency = RequestConsistency.fromHeaders(
        options.name,
        req.headers,
        options.consistencyReads ?? defaultConsistencyReadOptions,
      );
      return options.context({ caller: callerFromHeaders(req.headers), consistency });
    },
    graphqlPaths: ['/graphql'],
    acceptCaller: options.callers,
    ready: () => runChecks(options.readyChecks),
  });
  const background = options.background ?? [];
  return {
    name: options.name,
    logger,
    http,
    background,
    ...serverLifecycle(apollo, http, options.onStop, background),
  };
}

/** The type definitions of a resolver map that only resolves fields of the service's one SDL. */
const noTypeDefs: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/** Whether the SDL gives any type or field a cache hint (`@cacheControl`). */
function usesCacheHints(typeDefs: DocumentNode): boolean {
  let found = false;
  visit(typeDefs, {
    Directive(node) {
      if (node.name.value === 'cacheControl') found = true;
    },
  });
  return found;
}

/** Counts the entity representations of each `_entities` request (`subgraph_entity_representations_total`). */
function countRepresentations(service: string): ApolloServerPlugin {
  return {
    async requestDidStart({ request }) {
      const representations = request.variables?.representations;
      if (!Array.isArray(representations)) return;
      const counts = new Map<string, number>();
      for (const rep of representations as { __typename?: unknown }[]) {
        const type = typeof rep?.__typename === 'string' ? rep.__typename : 'unknown';
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
      for (const [type, count] of counts) entityRepresentations.inc({ service, type }, count);
    },
  };
}

/** Runs named readiness checks side by side; each reports "ok" or why it failed. */
export async function runChecks(checks: Record<string, () => Promise<unknown>>) {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, (error as Error).message || 'failed'] as const;
      }
    }),
  );
  return { ready: results.every(([, status]) => status === 'ok'), checks: Object.fromEntries(results) };
}
