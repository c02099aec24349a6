import { databaseUrlVariable, type ProcessName, processes, serviceEntry, urlVariable } from '@msd/registry';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const milliseconds = z.coerce.number().int().min(0);
const url = (...protocols: string[]) => z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`) });
const postgresUrl = url('postgres', 'postgresql');
const httpUrl = url('http', 'https');
const otlpProtocol = z.enum(['http/protobuf', 'http/json']);

// Variables named after the registry's processes: where each one is, each service's database.
// (Typed loosely: code reads them through serviceUrl() and databaseUrl(), not from the result.)
const registryVariables: z.ZodRawShape = Object.fromEntries([
  ...processes.map((entry) => [urlVariable(entry.name), httpUrl.optional()]),
  ...processes.flatMap((entry) =>
    entry.name === 'gateway'
      ? []
      : [
          [databaseUrlVariable(entry.name), postgresUrl.optional()],
          [`${entry.name.toUpperCase()}_DATABASE_PASSWORD`, z.string().min(1).optional()],
        ],
  ),
]);

/**
 * The variables a process reads, validated once at start: a missing or malformed one stops the
 * process before it serves anything (`loadConfig`), instead of `Number("abc")` surfacing as NaN
 * deep inside. Variables are optional where a development default exists; production requires
 * the secrets. Unknown variables pass (the environment holds far more than ours). `extra` adds
 * the variables only this process reads.
 */
export function processConfig<TExtra extends z.ZodRawShape = Record<never, never>>(
  name: ProcessName,
  extra?: TExtra,
) {
  return z
    .looseObject({
      NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
      PORT: port.default(serviceEntry(name).port),
      HOST: z.string().min(1).default('127.0.0.1'),
      /** /health, /ready and /metrics on a port of their own, off the public one. */
      ADMIN_PORT: port.optional(),
      SERVICE_TOKEN: z.string().min(1).optional(),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
      /** Overall budget of a graceful shutdown; past it the process exits anyway (code 1). */
      SHUTDOWN_TIMEOUT_MS: milliseconds.default(20_000),
      /** How long /ready says "draining" while still serving, so load balancers stop routing first. */
      SHUTDOWN_DELAY_MS: milliseconds.default(0),
      DATABASE_ADMIN_URL: postgresUrl.optional(),
      DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1_000).default(5),
      REDIS_URL: url('redis', 'rediss').default('redis://127.0.0.1:6379'),
      /** `{msd}` (a hash tag) keeps every key of a queue in one slot of a Redis Cluster. */
      EVENTS_PREFIX: z
        .string()
        .regex(/^[\w.-]*(\{[\w.-]+\})?[\w.-]*$/, 'letters, digits, _ . - and at most one {hash tag}')
        .min(1)
        .default('msd'),
      RECONCILE_INTERVAL_MS: milliseconds.min(1).default(60_000),
      OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
      OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
      ...(registryVariables as Record<never, never>),
      ...(extra as TExtra),
    })
    .superRefine(
      (env, context) => {
        if (env.NODE_ENV === 'production' && !env.SERVICE_TOKEN)
          context.addIssue({
            code: 'custom',
            path: ['SERVICE_TOKEN'],
            message: 'is required in production (the development default is no secret)',
          });
        if (
          env.NODE_ENV === 'production' &&
          typeof env.SERVICE_TOKEN === 'string' &&
          env.SERVICE_TOKEN.length < 16
        )
          context.addIssue({
            code: 'custom',
            path: ['SERVICE_TOKEN'],
            message: 'must be at least 16 characters in production',
          });
      },
      // Reported with the other problems, not only once everything else is right.
      { when: () => true },
    );
}
