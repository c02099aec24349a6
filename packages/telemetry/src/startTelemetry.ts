import { register } from 'node:module';
import type { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;

/** Tracing is on when an OTLP endpoint is configured (and OTEL_SDK_DISABLED is not `true`). */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts OpenTelemetry tracing for this process, before anything it instruments is imported (each
 * `index.ts` calls it first and imports the rest afterwards). Configured by the standard OTEL_*
 * variables: the endpoint, `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, the default, or
 * `http/json`), sampler, resource attributes; `service.name` is `OTEL_SERVICE_NAME`, else the
 * process name. Without an endpoint it loads nothing and costs nothing. `env` is the entry point's
 * environment: it runs before the configuration is parsed, and the SDK reads its OTEL_* variables
 * from there itself (validated later with the rest of the configuration).
 *
 * Spans: HTTP in and out (node:http, fetch), GraphQL parsing and execution, PostgreSQL (pg, under
 * Prisma), Redis (ioredis, under BullMQ), Apollo Gateway's own planning and fetch spans; the event
 * relay and consumers add theirs (packages/events), carrying the trace through the outbox and queues.
 */
export async function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (sdk || !tracingEnabled(env)) return;
  // ESM modules are instrumented through this loader hook; it must be in place before they load.
  // Only what is instrumented goes through it: wrapping every module would slow every start.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: ['http', 'https', /\/node_modules\/(pg|ioredis|graphql)\//] },
  });
  // Traces only: metrics are Prometheus's (/metrics), logs go to stdout.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const [{ NodeSDK }, http, undici, pg, ioredis, graphql] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-graphql'),
  ]);
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || serviceName,
    instrumentations: [
      new http.HttpInstrumentation({
        // Probes and scrapes are not requests anyone follows.
        ignoreIncomingRequestHook: (req) => /^\/(health|ready|metrics)\b/.test(req.url ?? ''),
      }),
      new undici.UndiciInstrumentation(),
      new pg.PgInstrumentation({ requireParentSpan: true }),
      new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
      new graphql.GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true }),
    ],
  });
  sdk.start();
}

/** Exports the spans still buffered, then stops: called by `serve` as the last step of a shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown().catch(() => {});
  sdk = undefined;
}
