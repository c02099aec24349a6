import { trace } from '@opentelemetry/api';
import { type DestinationStream, type LevelWithSilent, pino } from 'pino';
import pretty from 'pino-pretty';
import { currentRequestContext } from './requestContext.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggingOptions {
  level: LevelWithSilent;
  /** JSON lines for log pipelines, or one readable line per event for a terminal. */
  format: 'json' | 'pretty';
}

let settings: LoggingOptions = { level: 'info', format: 'pretty' };
let root: pino.Logger | undefined;

/**
 * Sets the process's log level and format (`LOG_LEVEL`, `LOG_FORMAT` parsed at its entry point;
 * JSON by default in production). Until it is called, and in processes that never call it (tests,
 * command-line tools), lines are readable at level info.
 */
export function configureLogging(options: LoggingOptions): void {
  settings = options;
  root = undefined;
}

/** The logging options of a parsed configuration: JSON in production unless `LOG_FORMAT` says otherwise. */
export function loggingOptions(config: {
  LOG_LEVEL: LevelWithSilent;
  LOG_FORMAT?: 'json' | 'pretty' | undefined;
  NODE_ENV?: string | undefined;
}): LoggingOptions {
  return {
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT ?? (config.NODE_ENV === 'production' ? 'json' : 'pretty'),
  };
}

function rootLogger(): pino.Logger {
  if (root) return root;
  // Synchronous writes: a line logged just before `process.exit` (a failed start) is never lost.
  const destination: DestinationStream =
    settings.format === 'json'
      ? pino.destination({ dest: 1, sync: true })
      : pretty({
          sync: true,
          colorize: Boolean(process.stdout.isTTY),
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,name',
          hideObject: true,
          messageFormat: readableLine,
        });
  root = pino(
    {
      level: settings.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Correlation, on every line: the request being served and the trace span being run (a
      // request, a relay pass, a consumed job), so a log search and a trace meet on one id.
      mixin() {
        const span = trace.getActiveSpan()?.spanContext();
        const requestId = currentRequestContext()?.requestId;
        return {
          ...(requestId ? { request_id: requestId } : {}),
          ...(span ? { trace_id: span.traceId, span_id: span.spanId } : {}),
        };
      },
    },
    destination,
  );
  return root;
}

/**
 * A named logger on the process's pino instance. Fields are logged as given, except errors,
 * wherever they sit at the top level: those become `{ type, message, stack, cause, ... }`, since
 * `JSON.stringify(new Error())` is `{}`.
 */
export function createLogger(name: string): Logger {
  let logger: pino.Logger | undefined;
  let parent: pino.Logger | undefined;
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    // A module's logger made before `configureLogging` follows the configured root.
    if (parent !== rootLogger() || !logger) {
      parent = rootLogger();
      logger = parent.child({ name });
    }
    if (!logger.isLevelEnabled(level)) return;
    logger[level](fields ? serializeErrors(fields) : {}, message);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

const hidden = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);
const correlation = new Set(['request_id', 'trace_id', 'span_id']);

/** `message key=value ...`; an error's message inline, its stack below when the line is an error. */
function readableLine(log: Record<string, unknown>): string {
  const fields: string[] = [];
  const stacks: string[] = [];
  // The event's own fields first; correlation ids last, where the eye skips them.
  const entries = Object.entries(log).sort(
    ([a], [b]) => Number(correlation.has(a)) - Number(correlation.has(b)),
  );
  for (const [key, value] of entries) {
    if (hidden.has(key)) continue;
    if (isSerializedError(value)) {
      fields.push(`${key}=${JSON.stringify(value.message)}`);
      if ((log.level === 'error' || log.level === 50) && value.stack)
        stacks.push(value.stack.replace(/^/gm, '    '));
    } else {
      const text = typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value);
      fields.push(`${key}=${text}`);
    }
  }
  return [[log.msg, ...fields].join(' '), ...stacks].join('\n');
}

function isSerializedError(value: unknown): value is { message: string; stack?: string } {
  return typeof value === 'object' && value !== null && 'stack' in value && 'message' in value;
}

function serializeErrors(fields: LogFields): LogFields {
  let copy: LogFields | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      copy ??= { ...fields };
      copy[key] = pino.stdSerializers.err(value);
    }
  }
  return copy ?? fields;
}
