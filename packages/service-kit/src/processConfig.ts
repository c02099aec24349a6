import {
  databaseUrlVariable,
  type ProcessName,
  processes,
  type ServiceName,
  serviceEntry,
  serviceNames,
  urlVariable,
} from '@msd/registry';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const milliseconds = z.coerce.number().int().min(0);
const url = (...protocols: string[]) => z.url({ protocol: new RegExp(`^(${protocols.join('|')})$`) });
const postgresUrl = url('postgres', 'postgresql');
const httpUrl = url('http', 'https');
const otlpProtocol = z.enum(['http/protobuf', 'http/json']);
const days = (count: number) => count * 24 * 3600 * 1000;

/** `PRODUCT_DATABASE_PASSWORD`: the password of a service's role when its URL is derived. */
export const databasePasswordVariable = (service: ServiceName) =>
  `${service.toUpperCase()}_DATABASE_PASSWORD`;

/** The variable holding a producer's event signing key (`PRODUCT_EVENT_KEY`). */
export const eventKeyVariable = (name: ProcessName) => `${name.toUpperCase()}_EVENT_KEY`;

/** The producers whose keys a process needs: its own when it publishes, and those of what it consumes. */
export function eventProducersNeeded(name: ProcessName): ProcessName[] {
  const self = processes.find((entry) => entry.name === name);
  const consumed = new Set<string>(self?.consumes ?? []);
  return processes
    .filter(
      (entry) =>
        (entry.name === name && entry.publishes.length > 0) ||
        entry.publishes.some((event) => consumed.has(event)),
    )
    .map((entry) => entry.name);
}

/**
 * The database variables: every service's connection (given whole, or derived from the admin URL
 * with the service's own role and password) and the pool size.
 */
export const databaseVariables = {
  DATABASE_ADMIN_URL: postgresUrl
    .default('postgresql://postgres@127.0.0.1:5432/postgres')
    .describe(
      'PostgreSQL as an administrator: provisioning, migrations, and the host of derived service URLs',
    ),
  DATABASE_POOL_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(5)
    .describe('Connections per process to its database (every replica holds its own pool)'),
  ...(Object.fromEntries(
    serviceNames.flatMap((service) => [
      [
        databaseUrlVariable(service),
        postgresUrl
          .optional()
          .describe(`The ${service} service's connection string (else derived from DATABASE_ADMIN_URL)`),
      ],
      [
        databasePasswordVariable(service),
        z
          .string()
          .min(1)
          .optional()
          .describe(`Password of the ${service} role in a derived URL (else a development password)`),
      ],
    ]),
  ) as Record<string, z.ZodOptional<z.ZodString>>),
};

// Where each process is: `PRODUCT_URL`, ... (typed loosely; read through `serviceUrls`).
const urlVariables = Object.fromEntries(
  processes.map((entry) => [
    urlVariable(entry.name),
    httpUrl
      .optional()
      .describe(`The ${entry.name}'s GraphQL endpoint (else http://127.0.0.1:${entry.port}/graphql)`),
  ]),
) as Record<string, z.ZodOptional<z.ZodURL>>;

/** Where the event bus is. */
export const eventBusVariables = {
  REDIS_URL: url('redis', 'rediss')
    .default('redis://127.0.0.1:6379')
    .describe('The event bus (`rediss://` connects with TLS)'),
  EVENTS_PREFIX: z
    .string()
    .regex(/^[\w.-]*(\{[\w.-]+\})?[\w.-]*$/, 'letters, digits, _ . - and at most one {hash tag}')
    .min(1)
    .default('msd')
    .describe('Key prefix of every queue; `{msd}` (a hash tag) keeps a queue in one Redis Cluster slot'),
  EVENT_RETRY_DELAY_MS: milliseconds
    .min(1)
    .default(100)
    .describe(
      "First delay of a failed event's retry, doubling at each of its 8 attempts before it is parked (set on the events this process sends)",
    ),
  // HMAC-SHA256 keys: at least 32 characters (a random 32-byte key in base64 has 44).
  ...(Object.fromEntries(
    processes
      .filter((entry) => entry.publishes.length > 0)
      .map((entry) => [
        eventKeyVariable(entry.name),
        z
          .string()
          .min(32)
          .optional()
          .describe(
            `The key ${entry.name}'s events are signed with (required in production where ${entry.name} publishes or its events are consumed; else a development key)`,
          ),
      ]),
  ) as Record<string, z.ZodOptional<z.ZodString>>),
};

/** Timings of the event libraries (@msd/events, @msd/coordination), handed to them as options. */
export const eventVariables = {
  RECONCILE_INTERVAL_MS: milliseconds
    .min(1)
    .default(60_000)
    .describe('How often a copy is compared with its owner and repaired'),
  RETENTION_INTERVAL_MS: milliseconds
    .min(1)
    .default(300_000)
    .describe('How often retention deletes expired rows (inbox, reconciliation runs, decided renames)'),
  OUTBOX_LINGER_MS: milliseconds
    .max(1_000)
    .default(30)
    .describe(
      'Under load, how long the outbox relay waits after a batch so that the next gathers more events (0: never)',
    ),
  OUTBOX_RETENTION_MS: milliseconds
    .default(days(1))
    .describe('Published outbox rows are deleted after this long, once every consumer is past them'),
  OUTBOX_MAX_RETENTION_MS: milliseconds
    .default(days(7))
    .describe('Published outbox rows are deleted after this long in any case'),
  INBOX_RETENTION_MS: milliseconds
    .default(days(8))
    .describe('Processed event ids are kept this long (beyond a queue retention of 7 days)'),
  RECONCILIATION_RUNS_RETENTION_MS: milliseconds
    .default(days(7))
    .describe('Finished reconciliation runs are kept this long'),
  RENAME_RETENTION_MS: milliseconds
    .default(days(7))
    .describe('Decided STRONG renames are kept this long (participants in doubt ask within seconds)'),
};

/**
 * Read by the services that honour consistency tokens on copies they keep (order, ride, inventory).
 * Together they bound a token read: keep their sum under the gateway's subgraph timeout.
 */
export const consistencyReadVariables = {
  CONSISTENCY_WAIT_MS: milliseconds
    .max(10_000)
    .default(300)
    .describe(
      "How long a read that a client's consistency token names waits for this service's own consumer to apply the write, before it reads the owner (or, with no owner to ask, says the read is stale)",
    ),
  CONSISTENCY_OWNER_TIMEOUT_MS: milliseconds
    .min(1)
    .max(10_000)
    .default(500)
    .describe(
      "How long such a read then waits for the owner's answer before it answers the copy with a STALE_READ error (with CONSISTENCY_WAIT_MS, keep it under the gateway's SUBGRAPH_TIMEOUT_MS)",
    ),
};

/** How a service brings a copy up to what a token names (`consistencyReadVariables`). */
export interface ConsistencyReadOptions {
  /** How long a read waits for the service's own consumer (`CONSISTENCY_WAIT_MS`). */
  waitMs: number;
  /** How long it then waits for the owner's answer (`CONSISTENCY_OWNER_TIMEOUT_MS`). */
  ownerTimeoutMs: number;
}

/** The token read settings of a parsed configuration. */
export function consistencyReadOptions(
  config: z.output<z.ZodObject<typeof consistencyReadVariables>>,
): ConsistencyReadOptions {
  return { waitMs: config.CONSISTENCY_WAIT_MS, ownerTimeoutMs: config.CONSISTENCY_OWNER_TIMEOUT_MS };
}

/** The defaults of `consistencyReadVariables` (servers built without a parsed environment: tests, tools). */
export const defaultConsistencyReadOptions: ConsistencyReadOptions = consistencyReadOptions(
  z.object(consistencyReadVariables).parse({}),
);

/**
 * The variables every process reads. Variables are optional where a development default exists;
 * production requires the secrets. Each `.describe()` is the line docs/configuration.md shows.
 */
export const commonVariables = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .optional()
    .describe(
      '`production`: secrets required, JSON logs, no development conveniences; `development` or `test`, set explicitly, allows the development service credentials',
    ),
  HOST: z.string().min(1).default('127.0.0.1').describe('Address to listen on (`0.0.0.0` in containers)'),
  ADMIN_PORT: port
    .optional()
    .describe('/health, /ready and /metrics on a port of their own, off the public one'),
  SERVICE_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe(
      "This process's own secret, from which it derives the key it sends each service it calls (required unless NODE_ENV is development or test; at least 16 characters in production)",
    ),
  SERVICE_CALLERS: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The keys of the callers this process accepts, `gateway:<key>,order:<key>` (required unless NODE_ENV is development or test, where they derive from the development secrets)',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Least severe log level written'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'])
    .optional()
    .describe('Log lines as JSON or for people (else JSON in production, pretty otherwise)'),
  SHUTDOWN_TIMEOUT_MS: milliseconds
    .default(20_000)
    .describe('Overall budget of a graceful shutdown; past it the process exits anyway (code 1)'),
  SHUTDOWN_DELAY_MS: milliseconds
    .default(0)
    .describe('How long /ready says "draining" while still serving, so load balancers stop routing first'),
  ...databaseVariables,
  ...eventBusVariables,
  ...eventVariables,
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl
    .optional()
    .describe('OTLP endpoint: traces are exported when this (or the traces endpoint) is set'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional().describe('OTLP endpoint for traces only'),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional().describe('OTLP encoding (default http/protobuf)'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional().describe('OTLP encoding for traces only'),
  OTEL_SERVICE_NAME: z
    .string()
    .min(1)
    .optional()
    .describe('`service.name` of the spans (else the process name)'),
  OTEL_SDK_DISABLED: z
    .enum(['true', 'false'])
    .optional()
    .describe('`true`: no tracing even with an endpoint'),
  ...urlVariables,
};

/**
 * A process's configuration schema: the common variables, `PORT` defaulting to its registry port,
 * and `extra` (the variables only this process reads). Unknown variables pass (the environment
 * holds far more than ours). Parsed once, at the entry point (`runProcess`, `loadConfig`): a
 * missing or malformed variable stops the process before it serves anything.
 */
export function processConfig<TExtra extends z.ZodRawShape = Record<never, never>>(
  name: ProcessName,
  extra?: TExtra,
) {
  return z
    .looseObject({
      PORT: port.default(serviceEntry(name).port).describe('Port to listen on'),
      ...commonVariables,
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
        // Signed events: the development keys are derived from public names, so no secret.
        for (const producer of eventProducersNeeded(name)) {
          const variable = eventKeyVariable(producer);
          if (env.NODE_ENV === 'production' && !(env as Record<string, unknown>)[variable])
            context.addIssue({
              code: 'custom',
              path: [variable],
              message: `is required in production (the key ${producer}'s events are signed with)`,
            });
        }
      },
      // Reported with the other problems, not only once everything else is right.
      { when: () => true },
    );
}

/** The parsed common variables (what every process's configuration holds). */
export type CommonConfig = z.output<ReturnType<typeof processConfig<Record<never, never>>>>;

/** Where each process's GraphQL endpoint is. */
export type ServiceUrls = Record<ProcessName, string>;

/** Each process's endpoint: `<NAME>_URL` from the configuration, else its registry port on this host. */
export function serviceUrls(config: Readonly<Record<string, unknown>> = {}): ServiceUrls {
  return Object.fromEntries(
    processes.map(({ name, port }) => {
      const given = config[urlVariable(name)];
      return [name, typeof given === 'string' ? given : `http://127.0.0.1:${port}/graphql`];
    }),
  ) as ServiceUrls;
}

/** The timings of event work (`eventVariables`), as the server factories take them. */
export interface EventTimings {
  reconcileIntervalMs: number;
  retentionIntervalMs: number;
  outboxLingerMs: number;
  outboxRetentionMs: number;
  outboxMaxRetentionMs: number;
  inboxRetentionMs: number;
  reconciliationRunsRetentionMs: number;
  renameRetentionMs: number;
}

/** The event timings of a parsed configuration. */
export function eventTimings(config: z.output<z.ZodObject<typeof eventVariables>>): EventTimings {
  return {
    reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
    retentionIntervalMs: config.RETENTION_INTERVAL_MS,
    outboxLingerMs: config.OUTBOX_LINGER_MS,
    outboxRetentionMs: config.OUTBOX_RETENTION_MS,
    outboxMaxRetentionMs: config.OUTBOX_MAX_RETENTION_MS,
    inboxRetentionMs: config.INBOX_RETENTION_MS,
    reconciliationRunsRetentionMs: config.RECONCILIATION_RUNS_RETENTION_MS,
    renameRetentionMs: config.RENAME_RETENTION_MS,
  };
}

/** The defaults of `eventVariables` (tests and tools that set only some timings). */
export const defaultEventTimings: EventTimings = eventTimings(z.object(eventVariables).parse({}));
