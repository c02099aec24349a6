export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One line per event: `level message key=value ...`, readable in a terminal where the start
 * script prefixes each line with the service name, and parseable by any log shipper.
 * `LOG_FORMAT=json` switches to JSON lines for production log pipelines.
 */
export function createLogger(name: string): Logger {
  const threshold = rank[(process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? rank.info;
  const json = process.env.LOG_FORMAT === 'json';
  const write = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (rank[level] < threshold) return;
    const line = json
      ? JSON.stringify({ time: new Date().toISOString(), level, name, message, ...fields })
      : [level.padEnd(5), message, ...Object.entries(fields).map(([k, v]) => `${k}=${format(v)}`)].join(' ');
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

function format(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}
