import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { serviceNames, urlVariable } from '@msd/registry';
import { ConfigError, processConfig, roles } from '@msd/service-kit';
import { z } from 'zod';
import { consistencyTokenConfig, consistencyTokenVariables } from './consistency/consistencyTokens.ts';
import { type IdentityConfig, identityConfig, identityVariables } from './identity/identityConfig.ts';
import { defaultOperationLimits, type OperationLimitsConfig } from './limits/operationLimits.ts';
import { defaultRateLimit, type RateLimitConfig } from './limits/rateLimit.ts';
import { defaultSubscriptions } from './subscriptions/subscriptionHub.ts';
import { readManifest, type TrustedDocumentsConfig } from './trustedDocuments.ts';

/** One subgraph's time budget, retries and circuit breaker; unset settings keep the gateway's defaults. */
export interface SubgraphResilienceOptions {
  timeoutMs?: number;
  retries?: number;
  breakerFailures?: number;
  halfOpenAfterMs?: number;
  /** Identical queries in flight sent once (default on). */
  collapse?: boolean;
}

/** The entity cache: which types are cached, from which (owner) subgraph, for how long. */
export interface EntityCacheOptions {
  enabled: boolean;
  types: Record<string, { subgraph: string; ttlSeconds: number }>;
}

const count = z.coerce.number().int().min(0);
const positive = z.coerce.number().int().min(1);
const onOff = z.enum(['on', 'off']);
const defaultManifest = fileURLToPath(
  new URL('../../web/src/graphql/persisted-documents.json', import.meta.url),
);

const resilienceSettings = {
  timeoutMs: 'TIMEOUT_MS',
  retries: 'RETRIES',
  breakerFailures: 'BREAKER_FAILURES',
  halfOpenAfterMs: 'HALF_OPEN_AFTER_MS',
} as const satisfies Record<Exclude<keyof SubgraphResilienceOptions, 'collapse'>, string>;
const resilienceMeanings: Record<string, string> = {
  TIMEOUT_MS: 'Time budget of a call',
  RETRIES: 'Retries of a failed query (never of a mutation)',
  BREAKER_FAILURES: 'Failures in a row that open the circuit',
  HALF_OPEN_AFTER_MS: 'How long an open circuit fails fast before it probes',
  COLLAPSE: 'Identical queries in flight sent once (`on`/`off`)',
};
const resilienceMeaning = (prefix: string, setting: string) =>
  `${resilienceMeanings[setting]}: ${prefix === 'SUBGRAPH_' ? 'every subgraph' : `the ${prefix.slice(9, -1).toLowerCase()} subgraph (over SUBGRAPH_${setting})`}`;
// `SUBGRAPH_TIMEOUT_MS` for every subgraph, `SUBGRAPH_DRIVER_TIMEOUT_MS` for one (it wins).
const resiliencePrefixes = ['SUBGRAPH_', ...serviceNames.map((name) => `SUBGRAPH_${name.toUpperCase()}_`)];
const resilienceVariables = Object.fromEntries(
  resiliencePrefixes.flatMap((prefix) => [
    ...Object.values(resilienceSettings).map((setting) => [
      `${prefix}${setting}`,
      count.optional().describe(resilienceMeaning(prefix, setting)),
    ]),
    [`${prefix}COLLAPSE`, onOff.optional().describe(resilienceMeaning(prefix, 'COLLAPSE'))],
  ]),
) as Record<string, z.ZodOptional<typeof count> | z.ZodOptional<typeof onOff>>;

/**
 * The variables only the gateway reads, on top of every process's (`processConfig`). Each has its
 * default here; a bad value stops the gateway at start, naming it.
 */
export const gatewayVariables = {
  SUPERGRAPH_PATH: z
    .string()
    .min(1)
    .optional()
    .describe('Supergraph SDL file (else the committed supergraph/supergraph.graphql)'),
  ...identityVariables,
  // Read-your-writes tokens: the key is required in production (consistencyTokenConfig).
  ...consistencyTokenVariables,
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .describe('`true`: the client address is the last X-Forwarded-For hop (set only behind our own proxy)'),
  GRAPHQL_INTROSPECTION: onOff
    .optional()
    .describe('Answer introspection (else on outside production, off in it)'),
  SANDBOX_ROLE: z
    .enum(roles)
    .default('operator')
    .describe('Whose development token the landing page opens with (outside production)'),
  SANDBOX_HOSTS: z
    .string()
    .optional()
    .describe(
      'More host names the development landing page is served to (comma-separated), besides loopback',
    ),
  CORS_ORIGINS: z
    .string()
    .optional()
    .describe(
      'Comma-separated browser origins; `*` allows any (else the web client in development, none in production)',
    ),
  TRUSTED_DOCUMENTS: z
    .enum(['enforce', 'off'])
    .optional()
    .describe('`enforce`: only registered operations run (default in production); `off`: any'),
  TRUSTED_DOCUMENTS_PATH: z
    .string()
    .min(1)
    .default(defaultManifest)
    .describe("The registered operations' manifest (else the web client's)"),
  GATEWAY_WORKERS: z
    .union([z.literal('auto'), positive])
    .default(1)
    .describe('Gateway processes sharing the port (node:cluster); `auto`: one per core'),
  LIMIT_MAX_DOCUMENT_BYTES: positive
    .default(defaultOperationLimits.maxDocumentBytes)
    .describe('Largest operation document accepted, in bytes'),
  LIMIT_MAX_TOKENS: positive
    .default(defaultOperationLimits.maxTokens)
    .describe('Most tokens the parser reads in one document'),
  LIMIT_MAX_DEPTH: positive.default(defaultOperationLimits.maxDepth).describe('Deepest selection accepted'),
  LIMIT_MAX_INTROSPECTION_DEPTH: positive
    .default(defaultOperationLimits.maxIntrospectionDepth)
    .describe('Deepest selection inside introspection fields'),
  LIMIT_MAX_ALIASES: count
    .default(defaultOperationLimits.maxAliases)
    .describe('Most aliases in one operation'),
  LIMIT_MAX_ROOT_FIELDS: positive
    .default(defaultOperationLimits.maxRootFields)
    .describe('Most root fields in one operation'),
  LIMIT_MAX_COST: positive
    .default(defaultOperationLimits.maxCost)
    .describe('Highest estimated cost of one operation'),
  COST_DEFAULT_LIST_SIZE: count
    .default(defaultOperationLimits.defaultListSize)
    .describe('Assumed size of a list field without @listSize, in the cost estimate'),
  COST_MUTATION_WEIGHT: count
    .default(defaultOperationLimits.mutationWeight)
    .describe('Cost of each mutation root field, on top of its selection'),
  RATE_LIMIT: onOff.default('on').describe('Rate limits per caller'),
  RATE_LIMIT_POINTS: positive
    .default(defaultRateLimit.points)
    .describe('Cost units a caller may spend per window'),
  RATE_LIMIT_WINDOW_SECONDS: positive
    .default(defaultRateLimit.windowSeconds)
    .describe('The rate-limit window, in seconds'),
  SUBSCRIPTIONS_PER_CALLER: positive
    .default(defaultSubscriptions.perCaller)
    .describe(
      "Most subscriptions one caller holds open across the gateway's replicas (counted in Redis; per replica while Redis is down)",
    ),
  ENTITY_CACHE: onOff.default('on').describe('The entity cache in Redis (invalidated by update events)'),
  PASS_THROUGH: onOff
    .default('on')
    .describe(
      "The gateway runs simple query plans and shapes their answers itself (off: every query through @apollo/gateway's executor)",
    ),
  ENTITY_CACHE_TYPES: z
    .string()
    .regex(/^\s*\w+:\w+\s*(,\s*\w+:\w+\s*)*$/, 'Type:subgraph pairs, comma-separated')
    .default('Driver:driver,Product:product')
    .describe('Cached entity types and their owner subgraph, `Type:subgraph` pairs'),
  ENTITY_CACHE_TTL: count
    .default(60)
    .describe('Seconds a cached entity lives (`ENTITY_CACHE_TTL_<TYPE>` per type)'),
  ...resilienceVariables,
};

/**
 * The gateway's whole environment, as one schema: every process's variables and the gateway's own.
 * The configuration docs are generated from it.
 */
export const gatewayEnvironment = processConfig('gateway', gatewayVariables);
export type GatewayEnvironment = z.output<typeof gatewayEnvironment>;

/**
 * What the gateway is built from (createGatewayServer's options), derived from the parsed
 * environment.
 */
export function gatewaySettings(env: GatewayEnvironment) {
  const production = env.NODE_ENV === 'production';
  const variable = (name: string) => (env as Record<string, unknown>)[name];
  const trustedEnforce = (env.TRUSTED_DOCUMENTS ?? (production ? 'enforce' : 'off')) === 'enforce';
  const manifestExists = existsSync(env.TRUSTED_DOCUMENTS_PATH);
  if (trustedEnforce && !manifestExists)
    throw new Error(
      `TRUSTED_DOCUMENTS=enforce needs the manifest at ${env.TRUSTED_DOCUMENTS_PATH} (TRUSTED_DOCUMENTS_PATH)`,
    );
  const trustedDocuments: TrustedDocumentsConfig = {
    manifest: manifestExists ? readManifest(env.TRUSTED_DOCUMENTS_PATH) : {},
    enforce: trustedEnforce,
    bypassScope: 'operator',
  };
  const limits: OperationLimitsConfig = {
    maxDocumentBytes: env.LIMIT_MAX_DOCUMENT_BYTES,
    maxTokens: env.LIMIT_MAX_TOKENS,
    maxDepth: env.LIMIT_MAX_DEPTH,
    maxIntrospectionDepth: env.LIMIT_MAX_INTROSPECTION_DEPTH,
    maxAliases: env.LIMIT_MAX_ALIASES,
    maxRootFields: env.LIMIT_MAX_ROOT_FIELDS,
    maxCost: env.LIMIT_MAX_COST,
    defaultListSize: env.COST_DEFAULT_LIST_SIZE,
    mutationWeight: env.COST_MUTATION_WEIGHT,
  };
  const rateLimit: RateLimitConfig | false =
    env.RATE_LIMIT === 'off'
      ? false
      : { points: env.RATE_LIMIT_POINTS, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS };
  // The cached types are configurable, so their TTL variables are checked once the types are known.
  const ttlOf = (type: string): number => {
    const name = `ENTITY_CACHE_TTL_${type.toUpperCase()}`;
    const given = variable(name);
    if (given === undefined) return env.ENTITY_CACHE_TTL;
    const parsed = count.safeParse(given);
    if (!parsed.success)
      throw new ConfigError([`${name}: expected whole seconds (got ${JSON.stringify(given)})`]);
    return parsed.data;
  };
  const entityCache: EntityCacheOptions = {
    enabled: env.ENTITY_CACHE === 'on',
    types: Object.fromEntries(
      env.ENTITY_CACHE_TYPES.split(',').map((entry) => {
        const [type = '', subgraph = ''] = entry.split(':').map((part) => part.trim());
        return [type, { subgraph, ttlSeconds: ttlOf(type) }];
      }),
    ),
  };
  const resilience = Object.fromEntries(
    serviceNames.map((name) => {
      const settings: SubgraphResilienceOptions = {};
      for (const [key, setting] of Object.entries(resilienceSettings)) {
        const value =
          variable(`SUBGRAPH_${name.toUpperCase()}_${setting}`) ?? variable(`SUBGRAPH_${setting}`);
        if (value !== undefined) settings[key as keyof typeof resilienceSettings] = value as number;
      }
      const collapse = variable(`SUBGRAPH_${name.toUpperCase()}_COLLAPSE`) ?? variable('SUBGRAPH_COLLAPSE');
      if (collapse !== undefined) settings.collapse = collapse === 'on';
      return [name, settings];
    }),
  );
  const subgraphUrls = Object.fromEntries(
    serviceNames.flatMap((name) => {
      const url = variable(urlVariable(name));
      return typeof url === 'string' ? [[name, url]] : [];
    }),
  );
  const identity: IdentityConfig = identityConfig(env);
  return {
    production,
    ...(env.SUPERGRAPH_PATH ? { supergraphPath: env.SUPERGRAPH_PATH } : {}),
    subgraphUrls,
    identity,
    ...(env.ADMIN_PORT !== undefined ? { adminPort: env.ADMIN_PORT } : {}),
    adminHost: env.HOST,
    trustProxy: env.TRUST_PROXY === 'true',
    introspection: env.GRAPHQL_INTROSPECTION ? env.GRAPHQL_INTROSPECTION === 'on' : !production,
    sandboxRole: env.SANDBOX_ROLE,
    ...(env.SANDBOX_HOSTS
      ? {
          sandboxHosts: env.SANDBOX_HOSTS.split(',')
            .map((host) => host.trim())
            .filter(Boolean),
        }
      : {}),
    serviceCredentials: { NODE_ENV: env.NODE_ENV, SERVICE_TOKEN: env.SERVICE_TOKEN },
    corsOrigins: corsOrigins(env.CORS_ORIGINS, production),
    trustedDocuments,
    limits,
    rateLimit,
    entityCache,
    resilience,
    consistencyTokens: consistencyTokenConfig(env),
    subscriptions: { perCaller: env.SUBSCRIPTIONS_PER_CALLER },
    passThrough: env.PASS_THROUGH === 'on',
  };
}

/** Exact origins, comma-separated; unset: the web client's development origin outside production, none in it. */
export function corsOrigins(configured: string | undefined, production: boolean): string[] {
  if (configured !== undefined)
    return configured
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
  return production ? [] : ['http://localhost:5173'];
}

/** `GATEWAY_WORKERS` as a number: `auto` is one per core. */
export function gatewayWorkers(env: Pick<GatewayEnvironment, 'GATEWAY_WORKERS'>): number {
  return env.GATEWAY_WORKERS === 'auto' ? availableParallelism() : env.GATEWAY_WORKERS;
}
