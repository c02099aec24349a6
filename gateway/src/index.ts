import { serviceNames } from '@msd/registry';
import { startTelemetry } from '@msd/telemetry';
import { z } from 'zod';

// Tracing first: what it instruments (http, ioredis, graphql, Apollo Gateway) must load after it.
await startTelemetry('gateway');
const { eventBus } = await import('@msd/events');
const { createLogger, runProcess } = await import('@msd/service-kit');
const { runWorkers } = await import('./runWorkers.ts');
const { identityVariables } = await import('./identity/identityConfig.ts');
const { consistencyTokenVariables } = await import('./consistency/consistencyTokens.ts');

const milliseconds = z.coerce.number().int().min(0).optional();
const count = z.coerce.number().int().min(0).optional();
// Validated here, read by resilienceConfig(): typed loosely, as nothing reads them from the result.
const resilience = (prefix: string): Record<never, never> => ({
  [`${prefix}TIMEOUT_MS`]: milliseconds,
  [`${prefix}RETRIES`]: count,
  [`${prefix}BREAKER_FAILURES`]: count,
  [`${prefix}HALF_OPEN_AFTER_MS`]: milliseconds,
  [`${prefix}COLLAPSE`]: z.enum(['on', 'off']).optional(),
});

// `GATEWAY_WORKERS` > 1: this process forks that many gateways sharing the port (runWorkers.ts).
await runWorkers(createLogger('gateway'), () =>
  runProcess(
    'gateway',
    async (config) => {
      const { createGatewayServer, entityCacheConfig } = await import('./server.ts');
      return createGatewayServer({
        events: eventBus({ redisUrl: config.REDIS_URL, prefix: config.EVENTS_PREFIX }),
        entityCache: entityCacheConfig(process.env),
        ...(config.SUPERGRAPH_PATH ? { supergraphPath: config.SUPERGRAPH_PATH } : {}),
      });
    },
    {
      SUPERGRAPH_PATH: z.string().min(1).optional(),
      // Each on its own here; together (one of them in production) when the server is built.
      ...identityVariables,
      // Read-your-writes tokens: the key is required in production (consistencyTokenConfig).
      ...consistencyTokenVariables,
      ENTITY_CACHE: z.enum(['on', 'off']).optional(),
      GATEWAY_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1)]).optional(),
      ENTITY_CACHE_TYPES: z
        .string()
        .regex(/^\s*\w+:\w+\s*(,\s*\w+:\w+\s*)*$/, 'Type:subgraph pairs, comma-separated')
        .optional(),
      ENTITY_CACHE_TTL: count,
      ENTITY_CACHE_TTL_DRIVER: count,
      ENTITY_CACHE_TTL_PRODUCT: count,
      // Per-subgraph time budget, retries and breaker (`SUBGRAPH_TIMEOUT_MS`, `SUBGRAPH_DRIVER_TIMEOUT_MS`, ...).
      ...resilience('SUBGRAPH_'),
      ...(Object.assign(
        {},
        ...serviceNames.map((name) => resilience(`SUBGRAPH_${name.toUpperCase()}_`)),
      ) as Record<never, never>),
    },
  ),
);
