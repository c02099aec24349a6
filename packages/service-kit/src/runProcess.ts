import type { ProcessName } from '@msd/registry';
import type { z } from 'zod';
import { z as zod } from 'zod';
import { configureLogging, createLogger, loggingOptions } from './createLogger.ts';
import { ConfigError, loadConfig } from './loadConfig.ts';
import { commonVariables, processConfig } from './processConfig.ts';
import { serve } from './serve.ts';

export type ProcessConfig<TExtra extends z.ZodRawShape = Record<never, never>> = z.output<
  ReturnType<typeof processConfig<Record<never, never>>>
> &
  z.output<z.ZodObject<TExtra>>;

// Logging is set up before the rest is checked, so the report of a bad variable is written as asked.
const loggingVariables = zod.object({
  NODE_ENV: commonVariables.NODE_ENV.catch(undefined),
  LOG_LEVEL: commonVariables.LOG_LEVEL.catch('info'),
  LOG_FORMAT: commonVariables.LOG_FORMAT.catch(undefined),
});

type Servable = Parameters<typeof serve>[0];

/**
 * A process's `index.ts` in one call: validate its configuration (exit 1 naming every bad
 * variable, before anything connects), build its server from the parsed values, serve it.
 * `around` runs the serving itself with the parsed configuration (the gateway forks workers there).
 */
export async function runProcess<TExtra extends z.ZodRawShape = Record<never, never>>(
  name: ProcessName,
  /** The process's environment, as its entry point was given it; parsed here once. */
  environment: NodeJS.ProcessEnv,
  create: (config: ProcessConfig<TExtra>) => Servable | Promise<Servable>,
  extra?: TExtra,
  around: (config: ProcessConfig<TExtra>, run: () => Promise<void>) => Promise<void> = (_, run) => run(),
): Promise<void> {
  const given = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  configureLogging(loggingOptions(loggingVariables.parse(given)));
  const logger = createLogger(name);
  const refuse = (error: ConfigError): never => {
    logger.error(error.message, { invalid: error.problems.map((problem) => problem.split(':')[0]) });
    process.exit(1);
  };
  let config: ProcessConfig<TExtra>;
  try {
    config = loadConfig(processConfig(name, extra), environment) as ProcessConfig<TExtra>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return refuse(error);
  }
  const parsed = config;
  await around(parsed, async () => {
    try {
      // A process may validate more while building its server (what depends on several variables
      // together, or on a file they name): a ConfigError there is reported the same way.
      const server = await create(parsed);
      await serve(server, {
        port: parsed.PORT,
        host: parsed.HOST,
        shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
        shutdownDelayMs: parsed.SHUTDOWN_DELAY_MS,
        // The gateway runs its own admin surface (/metrics, /subgraphs) from the same variable.
        adminPort: name === 'gateway' ? undefined : parsed.ADMIN_PORT,
      });
    } catch (error) {
      if (error instanceof ConfigError) refuse(error);
      logger.error(`${name} failed to start`, { error });
      process.exit(1);
    }
  });
}
