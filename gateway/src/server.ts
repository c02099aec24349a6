import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { type EventBusOptions, type EventType, failFast } from '@msd/events';
import { gateway as gatewayEntry, type ProcessName } from '@msd/registry';
import {
  type BackgroundProcess,
  CONSISTENCY_TOKEN_HEADER,
  createHttpServer,
  createLogger,
  operationMetricsPlugin,
  type ServiceCredentialEnv,
  serverLifecycle,
  serviceCredential,
} from '@msd/service-kit';
import { Redis } from 'ioredis';
import { type AccessContext, enforceAccess } from './access/enforceAccess.ts';
import { readAccessPolicy } from './access/readAccessPolicy.ts';
import { adminServer } from './admin/adminServer.ts';
import { subgraphHealth } from './admin/subgraphHealth.ts';
import { createOperationAnalyzer } from './analyzeOperation.ts';
import { createEntityCache, type EntityCacheConfig } from './cache/entityCache.ts';
import { entityInvalidation } from './cache/entityInvalidation.ts';
import {
  type ConsistencyTokenConfig,
  consistencyTokenConfigOf,
  consistencyTokens,
  type GatewayConsistency,
} from './consistency/consistencyTokens.ts';
import { cors, originAllowed } from './cors.ts';
import { createSubgraphDataSource, type SubgraphDataSource } from './createSubgraphDataSource.ts';
import { corsOrigins, type SubgraphResilienceOptions } from './gatewayConfig.ts';
import { createCallerVerifier } from './identity/createCallerVerifier.ts';
import { type IdentityConfig, identityConfigOf } from './identity/identityConfig.ts';
import { type IncrementalContext, incrementalDelivery } from './incremental/incrementalDelivery.ts';
import { landingPage } from './landingPage.ts';
import { readCostModel } from './limits/costModel.ts';
import {
  defaultOperationLimits,
  documentLimits,
  type LimitsContext,
  type OperationLimitsConfig,
  operationLimits,
} from './limits/operationLimits.ts';
import { defaultRateLimit, type RateLimitConfig, rateLimit } from './limits/rateLimit.ts';
import { maskErrors } from './maskErrors.ts';
import { passThrough } from './passThrough/passThrough.ts';
import {
  resilienceConfig,
  type SubgraphResilience,
  subgraphResilience,
} from './resilience/subgraphResilience.ts';
import { servedOperations } from './servedOperations.ts';
import { appliedBy } from './subscriptions/appliedBy.ts';
import { callerSlots } from './subscriptions/callerSlots.ts';
import { graphqlWsSubscriptions } from './subscriptions/graphqlWsSubscriptions.ts';
import { multipartSubscriptions } from './subscriptions/multipartSubscriptions.ts';
import { replicaFanOut } from './subscriptions/replicaFanOut.ts';
import { appliedPairs, eventsFollowed, subscriptionFields } from './subscriptions/subscriptionFields.ts';
import {
  defaultSubscriptions,
  RECENT_MS,
  type SubscriptionsConfig,
  subscriptionHub,
} from './subscriptions/subscriptionHub.ts';
import { type TrustedDocumentsConfig, trustedDocumentStore, trustedDocuments } from './trustedDocuments.ts';

/** How a gateway is made: gatewaySettings() derives it from the environment; tests give what they need. */
export interface GatewayOptions {
  /** Production: no Sandbox, no schema details in errors, no /metrics on the public port. */
  production?: boolean;
  /** Supergraph SDL file; default the committed supergraph/supergraph.graphql. */
  supergraphPath?: string;
  /** Subgraph URLs by name, overriding the supergraph's. */
  subgraphUrls?: Record<string, string>;
  /** The event bus: its Redis holds the entity cache and the rate-limit counters, and its update events invalidate the cache. */
  events?: EventBusOptions;
  /** Entity cache settings (types and TTLs); undefined, `enabled: false` or no `events` turns the cache off. */
  entityCache?: (EntityCacheConfig & { enabled?: boolean }) | undefined;
  /** Resilience settings per subgraph name, over the defaults. */
  resilience?: Record<string, SubgraphResilienceOptions>;
  /** Operation limits, over the defaults. */
  limits?: Partial<OperationLimitsConfig>;
  /** Rate limits per caller (default 250,000 cost units per 10 s); `false` turns them off. */
  rateLimit?: RateLimitConfig | false;
  /** Where callers' tokens are verified (default: the development key). */
  identity?: IdentityConfig;
  /** Browser origins allowed by CORS (default: the web client's development origin). */
  corsOrigins?: string[];
  /** Port of the admin surface (/metrics, /subgraphs). In production the public port serves neither. */
  adminPort?: number;
  /** The admin surface's interface (default 127.0.0.1). */
  adminHost?: string;
  /** Take the client address from the last X-Forwarded-For hop (only behind our own proxy). */
  trustProxy?: boolean;
  /** Answer introspection (default: outside production). */
  introspection?: boolean;
  /** Whose development token Sandbox opens with (outside production). */
  sandboxRole?: string;
  /** More host names the landing page is served to, besides loopback (`SANDBOX_HOSTS`). */
  sandboxHosts?: readonly string[];
  /**
   * What the gateway's credential for each subgraph derives from (`NODE_ENV`, `SERVICE_TOKEN` of its
   * configuration). Default: the development credentials outside production (as in tests), none in it.
   */
  serviceCredentials?: ServiceCredentialEnv;
  /** Registered client operations and whether only they run (default: none, not enforced). */
  trustedDocuments?: TrustedDocumentsConfig;
  /** Read-your-writes tokens: key, life, size (`CONSISTENCY_TOKEN_*`). */
  consistencyTokens?: ConsistencyTokenConfig;
  /** Subscriptions: open ones per caller across the replicas (default 20), multipart heartbeat (default 5 s). */
  subscriptions?: Partial<SubscriptionsConfig>;
  /** Run query plans and shape answers here rather than in @apollo/gateway's executor where possible (default on; `passThrough/`, `PASS_THROUGH`). */
  passThrough?: boolean;
}

/** The gateway's per-request context: the verified caller, its address, and what limits computed. */
export interface GatewayContext extends AccessContext, LimitsContext, IncrementalContext {
  clientAddress: string;
  /** The client's consistency token, verified, and what this request wrote. */
  consistency: GatewayConsistency;
}

const defaultSupergraph = fileURLToPath(new URL('../../supergraph/supergraph.graphql', import.meta.url));

/**
 * The federation gateway: Apollo Gateway with a static supergraph inside Apollo Server. It owns no
 * data; it verifies callers, enforces access and operation limits before planning, rate-limits
 * callers, plans each query across the subgraphs (`_entities` fetches) and merges the answers.
 * Each concern is one file under src/; this is where they are put together.
 */
export function createGatewayServer(options: GatewayOptions = {}) {
  const logger = createLogger('gateway');
  const production = options.production ?? false;
  const supergraphPath = options.supergraphPath ?? defaultSupergraph;
  const supergraphSdl = readFileSync(supergraphPath, 'utf8');
  // Fail closed: @apollo/gateway only ever gets the supergraph from the reader of its access rules.
  const { policy, gatewaySupergraph } = readAccessPolicy(supergraphSdl);
  const costModel = readCostModel(supergraphSdl);
  const limits = { ...defaultOperationLimits, ...options.limits };
  const analyze = createOperationAnalyzer(costModel, policy, limits);
  const identity = options.identity ?? identityConfigOf({});
  const verifyCaller = createCallerVerifier(identity);
  const credentials: ServiceCredentialEnv = options.serviceCredentials ?? {
    NODE_ENV: production ? 'production' : 'test',
  };
  const subgraphs = new Map<string, { url: string; circuit: () => string; credential: string }>();
  const tokens = consistencyTokens(options.consistencyTokens ?? consistencyTokenConfigOf({}), logger);
  const dataSources: SubgraphDataSource[] = [];
  const cache =
    options.events && options.entityCache && options.entityCache.enabled !== false
      ? createEntityCache(options.entityCache, options.events, logger)
      : undefined;
  const limiterRedis = options.events ? rateLimiterRedis(options.events) : undefined;
  const rateLimits = options.rateLimit === false ? undefined : (options.rateLimit ?? defaultRateLimit);
  const limiter = rateLimits ? rateLimit(rateLimits, limiterRedis, logger) : undefined;
  const subscriptionSettings = { ...defaultSubscriptions, ...options.subscriptions };
  const fields = subscriptionFields(supergraphSdl);
  const applied = options.events ? appliedBy(options.events, appliedPairs(fields)) : undefined;
  // Late-bound: the hub tells the events' reader (made below) that a subscription started.
  let subscriptionStarted = () => {};
  const hub = subscriptionHub({
    fields,
    opened: () => subscriptionStarted(),
    ...(applied ? { waitApplied: applied.wait } : {}),
    execute: (args) => apollo.executeHTTPGraphQLRequest(args as never),
    ...(limiter ? { charge: limiter.charge } : {}),
    slots: callerSlots({ limit: subscriptionSettings.perCaller, redis: limiterRedis, logger }),
    logger,
  });
  const fanOut = options.events ? replicaFanOut(options.events, logger) : undefined;
  const reader = fanOut?.reader((event) => hub.onEvent(event), {
    listening: () => hub.size() > 0,
    catchUpMs: RECENT_MS,
  });
  if (reader)
    subscriptionStarted = () => {
      reader.wake();
      applied?.listen();
    };
  const pushedEvents = eventsFollowed(fields.values());
  const unheard = pushedEvents.filter(
    (event) => !(gatewayEntry.consumes as readonly EventType[]).includes(event),
  );
  if (unheard.length > 0)
    throw new Error(
      `Subscriptions follow entities that ${unheard.join(', ')} change, which the registry's gateway does not consume`,
    );
  // With events, the gateway always drains its queues, cache or not, so they never pile up: each
  // event drops its cached entity, then reaches every replica's subscriptions.
  const background: BackgroundProcess[] =
    options.events && fanOut && reader
      ? [
          ...entityInvalidation({
            cache,
            types: options.entityCache?.types,
            bus: options.events,
            logger,
            forward: fanOut.forward,
          }),
          reader,
        ]
      : [];
  const forwarding = options.passThrough === false ? undefined : passThrough();
  const gateway = new ApolloGateway({
    supergraphSdl: gatewaySupergraph,
    experimental_didResolveQueryPlan(resolved) {
      forwarding?.planned(resolved);
      // A part of a @defer request tells the others its plan before it fetches (they share fetches).
      const { queryPlan, requestContext } = resolved;
      const part = (requestContext.context as IncrementalContext).incremental;
      part?.shared?.planned(part, queryPlan, requestContext.request.variables);
    },
    buildService({ name, url }) {
      const resolved = options.subgraphUrls?.[name] ?? url;
      if (!resolved)
        throw new Error(`Subgraph "${name}" has no URL in the supergraph nor ${name.toUpperCase()}_URL`);
      const config = { ...resilienceConfig(name, {}), ...options.resilience?.[name] };
      const resilience: SubgraphResilience = subgraphResilience(name, config);
      // The gateway's own credential, for this subgraph only.
      const credential = serviceCredential('gateway', name as ProcessName, credentials);
      subgraphs.set(name, { url: resolved, circuit: resilience.state, credential });
      const dataSource = createSubgraphDataSource({
        name,
        url: resolved,
        token: credential,
        logger,
        resilience,
        cache,
        policy,
        collapse: config.collapse,
        ...(forwarding ? { made: forwarding.made } : {}),
      });
      dataSources.push(dataSource);
      return dataSource;
    },
  });
  const health = subgraphHealth(() => subgraphs);
  const admin =
    options.adminPort !== undefined
      ? adminServer(options.adminPort, options.adminHost ?? '127.0.0.1', health.report, logger)
      : undefined;
  // First: /metrics answers as soon as the public port does (the queues' consumers start after it).
  if (admin) background.unshift(admin);
  else if (production) logger.warn('ADMIN_PORT is not set: /metrics and /subgraphs are served nowhere');

  const trusted = options.trustedDocuments ?? { manifest: {}, enforce: false, bypassScope: 'operator' };
  const landing = landingPage({
    production,
    role: options.sandboxRole,
    hosts: options.sandboxHosts,
    keyFile: identity.developmentKeyFile,
  });
  const documents = trustedDocumentStore(trusted);
  const lookupDocument = (hash: string) => documents.get(hash);
  const incremental = incrementalDelivery({ lookupDocument });
  let closeWebSockets: () => Promise<void> = async () => {};
  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    servedOperations(),
    trustedDocuments(trusted),
    operationMetricsPlugin<GatewayContext>(),
    tokens.plugin,
    operationLimits(limits, costModel, analyze),
    ...(limiter ? [limiter.plugin] : []),
    landing.plugin,
    // Last: it answers a @defer request's or a subscription's admission once every other check passed.
    incremental.plugin,
    {
      // Before the HTTP server drains: every subscriber gets its last message, then the sockets close.
      serverWillStart: async () => ({
        drainServer: async () => {
          hub.drain();
          await closeWebSockets();
        },
      }),
    },
  ];
  const introspection = options.introspection ?? !production;
  const apollo = new ApolloServer<GatewayContext>({
    gateway: enforceAccess(forwarding ? forwarding.wrap(gateway) : gateway, analyze),
    // Counted by the parser, which stops there; a cached document is not parsed again.
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: maskErrors(logger),
    includeStacktraceInErrorResponses: false,
    // serve() owns the signals: it drains within a deadline; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    introspection,
    hideSchemaDetailsFromClientErrors: production,
    persistedQueries: { cache: documents, ttl: null },
    plugins,
  });
  let started = false;
  const contextFor = async (
    authorization: string | undefined,
    address: string,
    consistencyToken?: string | string[],
  ): Promise<GatewayContext> => ({
    caller: await verifyCaller(authorization),
    clientAddress: address,
    consistency: tokens.read(consistencyToken),
  });
  const serveSubscriptions = multipartSubscriptions({
    hub,
    lookupDocument,
    heartbeatMs: subscriptionSettings.heartbeatMs,
  });
  const allowedOrigins = options.corsOrigins ?? corsOrigins(undefined, false);
  const http = createHttpServer<GatewayContext>({
    apollo: serveSubscriptions(incremental.serve(apollo)),
    logger,
    context: (req) =>
      contextFor(
        req.headers.authorization,
        clientAddress(req, options.trustProxy ?? false),
        req.headers[CONSISTENCY_TOKEN_HEADER],
      ),
    graphqlPaths: ['/', '/graphql'],
    intercept: withLandingRoutes(cors(allowedOrigins), landing.routes),
    inspectBody: documentLimits(limits),
    // Readiness is this replica's own: the supergraph is loaded and it listens. A subgraph outage
    // degrades answers; it must not take every replica out of service.
    ready: async () => ({ ready: started, checks: { supergraph: started ? 'ok' : 'loading' } }),
    metrics: !production,
    routes: production ? {} : { '/subgraphs': health.report },
  });
  http.once('listening', () => {
    started = true;
  });
  const webSockets = graphqlWsSubscriptions({
    http,
    hub,
    execute: (args) => apollo.executeHTTPGraphQLRequest(args as never),
    lookupDocument,
    contextFor: (authorization, address) => contextFor(authorization, address),
    production,
    originAllowed: originAllowed(allowedOrigins),
  });
  closeWebSockets = webSockets.close;
  const lifecycle = serverLifecycle(
    apollo,
    http,
    async () => {
      await health.close();
      await Promise.all([cache?.close(), applied?.close(), ...dataSources.map((source) => source.close())]);
      await limiterRedis?.client.quit().catch(() => limiterRedis.client.disconnect());
    },
    background,
  );
  return {
    name: 'gateway',
    logger,
    http,
    background,
    /** The admin surface's port, once listening (when `ADMIN_PORT` or `adminPort` is set). */
    adminPort: () => admin?.port(),
    /** Subscriptions open on this replica. */
    openSubscriptions: () => hub.size(),
    ...lifecycle,
  };
}

/** CORS first (it may answer a preflight), then the landing page's own routes (/graphiql). */
function withLandingRoutes(
  cors: (req: IncomingMessage, res: ServerResponse) => boolean,
  routes: ((req: IncomingMessage, res: ServerResponse) => boolean) | null,
) {
  return (req: IncomingMessage, res: ServerResponse) => cors(req, res) || (routes?.(req, res) ?? false);
}

/** The client's address: the socket's, or behind our proxy (`trustProxy`) the last X-Forwarded-For hop (added by our proxy). */
function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') {
    const hops = forwarded
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    if (hops.length > 0) return hops[hops.length - 1] as string;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** A Redis connection for the rate limiter: fails fast when Redis is down, so the in-memory insurance limiter takes over. */
function rateLimiterRedis(bus: EventBusOptions) {
  const client = new Redis({
    ...failFast(bus.connection, 500),
    lazyConnect: true,
  });
  client.on('error', () => {}); // the limiter falls back to memory; the entity cache logs Redis trouble
  client.connect().catch(() => {});
  return { client, prefix: bus.prefix };
}

export { type EntityCacheConfig, entityCacheConfig } from './cache/entityCache.ts';
export { entityInvalidation, invalidatingEvents } from './cache/entityInvalidation.ts';
export {
  type ConsistencyTokenConfig,
  consistencyTokenConfig,
  consistencyTokenConfigOf,
} from './consistency/consistencyTokens.ts';
export {
  type EntityCacheOptions,
  type GatewayEnvironment,
  gatewayEnvironment,
  gatewaySettings,
  gatewayVariables,
  type SubgraphResilienceOptions,
} from './gatewayConfig.ts';
export { type IdentityConfig, identityConfig, identityConfigOf } from './identity/identityConfig.ts';
export { defaultOperationLimits, type OperationLimitsConfig } from './limits/operationLimits.ts';
export type { RateLimitConfig } from './limits/rateLimit.ts';
export type { ResilienceConfig, SubgraphCallConfig } from './resilience/subgraphResilience.ts';
export { readManifest, type TrustedDocumentsConfig } from './trustedDocuments.ts';
