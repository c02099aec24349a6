import type { ProcessName } from '@msd/registry';
import type { z } from 'zod';
import { createLogger } from './createLogger.ts';
import { ConfigError, loadConfig } from './loadConfig.ts';
import { processConfig } from './processConfig.ts';
import { serve } from './serve.ts';

type ProcessConfig<TExtra extends z.ZodRawShape> = z.output<
  ReturnType<typeof processConfig<Record<never, never>>>
> &
  z.output<z.ZodObject<TExtra>>;

type Servable = Parameters<typeof serve>[0];

/**
 * A process's `index.ts` in one call: validate its configuration (exit 1 naming every bad
 * variable, before anything connects), build its server from the parsed values, serve it.
 */
export async function runProcess<TExtra extends z.ZodRawShape = Record<never, never>>(
  name: ProcessName,
  create: (config: ProcessConfig<TExtra>) => Servable | Promise<Servable>,
  extra?: TExtra,
): Promise<void> {
  const logger = createLogger(name);
  const refuse = (error: ConfigError): never => {
    logger.error(error.message, { invalid: error.problems.map((problem) => problem.split(':')[0]) });
    process.exit(1);
  };
  let config: ProcessConfig<TExtra>;
  try {
    config = loadConfig(processConfig(name, extra)) as ProcessConfig<TExtra>;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return refuse(error);
  }
  try {
    // A process may validate more while building its server (what depends on several variables
    // together, or on a file they name): a ConfigError there is reported the same way.
    const server = await create(config);
    await serve(server, {
      port: config.PORT,
      host: config.HOST,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
      // The gateway runs its own admin surface (/metrics, /subgraphs) from the same variable.
      adminPort: name === 'gateway' ? undefined : config.ADMIN_PORT,
    });
  } catch (error) {
    if (error instanceof ConfigError) refuse(error);
    logger.error(`${name} failed to start`, { error });
    process.exit(1);
  }
}
