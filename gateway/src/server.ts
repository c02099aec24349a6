import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { EventBusOptions } from '@msd/events';
import type { ProcessName } from '@msd/registry';
import {
  type BackgroundProcess,
  createHttpServer,
  createLogger,
  operationMetricsPlugin,
  serverLifecycle,
  serviceCredential,
} from '@msd/service-kit';
import { Redis } from 'ioredis';
import { type AccessContext, enforceAccess } from './access/enforceAccess.ts';
import { readAccessPolicy } from './access/readAccessPolicy.ts';
import { adminServer } from './admin/adminServer.ts';
import { subgraphHealth } from './admin/subgraphHealth.ts';
import { createEntityCache, type EntityCacheConfig } from './cache/entityCache.ts';
import { entityInvalidation } from './cache/entityInvalidation.ts';
import { cors, corsOrigins } from './cors.ts';
import { createSubgraphDataSource, type SubgraphDataSource } from './createSubgraphDataSource.ts';
import { createCallerVerifier } from './identity/createCallerVerifier.ts';
import { type IdentityConfig, identityConfig } from './identity/identityConfig.ts';
import { landingPage } from './landingPage.ts';
import { readCostModel } from './limits/costModel.ts';
import {
  documentLimits,
  type LimitsContext,
  type OperationLimitsConfig,
  operationLimits,
  operationLimitsConfig,
} from './limits/operationLimits.ts';
import { type RateLimitConfig, rateLimit, rateLimitConfig } from './limits/rateLimit.ts';
import { maskErrors } from './maskErrors.ts';
import {
  type ResilienceConfig,
  resilienceConfig,
  type SubgraphResilience,
  subgraphResilience,
} from './resilience/subgraphResilience.ts';
import {
  type TrustedDocumentsConfig,
  trustedDocumentStore,
  trustedDocuments,
  trustedDocumentsConfig,
} from './trustedDocuments.ts';

/** How a gateway is made; every setting also has an environment variable. */
export interface GatewayOptions {
  /** Supergraph SDL file; `SUPERGRAPH_PATH`, else the committed supergraph/supergraph.graphql. */
  supergraphPath?: string;
  /** Subgraph URLs by name, overriding the supergraph's (else `<NAME>_URL` from the environment). */
  subgraphUrls?: Record<string, string>;
  /** The event bus: its Redis holds the entity cache and the rate-limit counters, and its update events invalidate the cache. */
  events?: EventBusOptions;
  /** Entity cache settings (types and TTLs); undefined or no `events` turns the cache off. */
  entityCache?: EntityCacheConfig | undefined;
  /** Resilience settings per subgraph name, overriding the environment's. */
  resilience?: Record<string, Partial<ResilienceConfig>>;
  /** Operation limits, overriding the environment's (`LIMIT_*`). */
  limits?: Partial<OperationLimitsConfig>;
  /** Rate limits per caller, overriding the environment's (`RATE_LIMIT_*`); `false` turns them off. */
  rateLimit?: RateLimitConfig | false;
  /** Where callers' tokens are verified (`AUTH_*`; default: the development key outside production). */
  identity?: IdentityConfig;
  /** Browser origins allowed by CORS (`CORS_ORIGINS`). */
  corsOrigins?: string[];
  /** Port of the admin surface (/metrics, /subgraphs); `ADMIN_PORT`. In production the public port serves neither. */
  adminPort?: number;
  /** Registered client operations and whether only they run (`TRUSTED_DOCUMENTS*`). */
  trustedDocuments?: TrustedDocumentsConfig;
}

/** The gateway's per-request context: the verified caller, its address, and what limits computed. */
export interface GatewayContext extends AccessContext, LimitsContext {
  clientAddress: string;
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
  const production = process.env.NODE_ENV === 'production';
  const supergraphPath = options.supergraphPath ?? process.env.SUPERGRAPH_PATH ?? defaultSupergraph;
  const supergraphSdl = readFileSync(supergraphPath, 'utf8');
  // Fail closed: @apollo/gateway only ever gets the supergraph from the reader of its access rules.
  const { policy, gatewaySupergraph } = readAccessPolicy(supergraphSdl);
  const costModel = readCostModel(supergraphSdl);
  const limits = { ...operationLimitsConfig(), ...options.limits };
  const verifyCaller = createCallerVerifier(options.identity ?? identityConfig());
  const subgraphs = new Map<string, { url: string; circuit: () => string; credential: string }>();
  const dataSources: SubgraphDataSource[] = [];
  const cache =
    options.events && options.entityCache
      ? createEntityCache(options.entityCache, options.events, logger)
      : undefined;
  const limiterRedis = options.events ? rateLimiterRedis(options.events) : undefined;
  const rateLimits = options.rateLimit === false ? undefined : (options.rateLimit ?? rateLimitConfig());
  // With events, the gateway always drains its invalidation queues, cache or not, so they never pile up.
  const background: BackgroundProcess[] = options.events
    ? entityInvalidation(cache, options.events, logger)
    : [];
  const gateway = new ApolloGateway({
    supergraphSdl: gatewaySupergraph,
    buildService({ name, url }) {
      const resolved = options.subgraphUrls?.[name] ?? process.env[`${name.toUpperCase()}_URL`] ?? url;
      if (!resolved)
        throw new Error(`Subgraph "${name}" has no URL in the supergraph nor ${name.toUpperCase()}_URL`);
      const resilience: SubgraphResilience = subgraphResilience(name, {
        ...resilienceConfig(name),
        ...options.resilience?.[name],
      });
      // The gateway's own credential, for this subgraph only.
      const credential = serviceCredential('gateway', name as ProcessName);
      subgraphs.set(name, { url: resolved, circuit: resilience.state, credential });
      const dataSource = createSubgraphDataSource({
        name,
        url: resolved,
        token: credential,
        logger,
        resilience,
        cache,
        policy,
      });
      dataSources.push(dataSource);
      return dataSource;
    },
  });
  const health = subgraphHealth(() => subgraphs);
  const adminPort =
    options.adminPort ?? (process.env.ADMIN_PORT ? Number(process.env.ADMIN_PORT) : undefined);
  const admin =
    adminPort !== undefined
      ? adminServer(adminPort, process.env.HOST ?? '127.0.0.1', health.report, logger)
      : undefined;
  if (admin) background.push(admin);
  else if (production) logger.warn('ADMIN_PORT is not set: /metrics and /subgraphs are served nowhere');

  const trusted = options.trustedDocuments ?? trustedDocumentsConfig();
  const landing = landingPage({
    production,
    role: process.env.SANDBOX_ROLE,
    hosts: process.env.SANDBOX_HOSTS?.split(',').map((host) => host.trim()),
  });
  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    trustedDocuments(trusted),
    operationMetricsPlugin<GatewayContext>(),
    operationLimits(limits, costModel),
    ...(rateLimits ? [rateLimit(rateLimits, limiterRedis, logger)] : []),
    landing.plugin,
  ];
  const introspection = process.env.GRAPHQL_INTROSPECTION
    ? process.env.GRAPHQL_INTROSPECTION === 'on'
    : !production;
  const apollo = new ApolloServer<GatewayContext>({
    gateway: enforceAccess(gateway, policy),
    formatError: maskErrors(logger),
    includeStacktraceInErrorResponses: false,
    // serve() owns the signals: it drains within a deadline; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    introspection,
    hideSchemaDetailsFromClientErrors: production,
    persistedQueries: { cache: trustedDocumentStore(trusted), ttl: null },
    plugins,
  });
  let started = false;
  const http = createHttpServer<GatewayContext>({
    apollo,
    logger,
    context: async (req) => ({
      caller: await verifyCaller(req.headers.authorization),
      clientAddress: clientAddress(req),
    }),
    graphqlPaths: ['/', '/graphql'],
    intercept: withLandingRoutes(cors(options.corsOrigins ?? corsOrigins()), landing.routes),
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
  const lifecycle = serverLifecycle(
    apollo,
    http,
    async () => {
      health.close();
      await Promise.all([cache?.close(), ...dataSources.map((source) => source.close())]);
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

/** The client's address: the socket's, or with `TRUST_PROXY=true` the last X-Forwarded-For hop (added by our proxy). */
function clientAddress(req: IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (process.env.TRUST_PROXY === 'true' && typeof forwarded === 'string') {
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
    ...bus.connection,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: 500,
    lazyConnect: true,
  });
  client.on('error', () => {}); // the limiter falls back to memory; the entity cache logs Redis trouble
  client.connect().catch(() => {});
  return { client, prefix: bus.prefix };
}

export { type EntityCacheConfig, entityCacheConfig } from './cache/entityCache.ts';
export { type IdentityConfig, identityConfig } from './identity/identityConfig.ts';
export { type OperationLimitsConfig, operationLimitsConfig } from './limits/operationLimits.ts';
export { type RateLimitConfig, rateLimitConfig } from './limits/rateLimit.ts';
export { type ResilienceConfig, resilienceConfig } from './resilience/subgraphResilience.ts';
export { readManifest, type TrustedDocumentsConfig, trustedDocumentsConfig } from './trustedDocuments.ts';
