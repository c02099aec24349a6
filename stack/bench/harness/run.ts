/**
 * One benchmark run: its start time, an abort signal (watchdog, Ctrl-C) that every load and wait
 * takes, and the cleanup steps that run however the run ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@msd/service-kit';

export const logger = createLogger('bench');

/** Cleanup steps, run in reverse order of registration; a failing step is logged, the rest still run. */
export class Cleanup {
  private readonly steps: { name: string; run: () => unknown }[] = [];
  add(name: string, run: () => unknown): void {
    this.steps.push({ name, run });
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        logger.error(`cleanup: ${step.name} failed`, { error });
      }
    }
  }
}

export interface BenchRun {
  /** The benchmark's name: its results file is `results/<name>.json`. */
  readonly name: string;
  readonly startedAt: Date;
  /** Aborted by the watchdog or by SIGINT/SIGTERM: loads stop and waits throw; cleanup still runs. */
  readonly signal: AbortSignal;
  readonly cleanup: Cleanup;
  /** The environment the benchmark's entry point was started with: the stack inherits it. */
  readonly environment: NodeJS.ProcessEnv;
}

/**
 * Runs a benchmark's `main` with its run, then its cleanup, and exits: 0 when it finished, 1 when it
 * failed or was aborted. A second Ctrl-C kills the process at once.
 */
export function runBench(
  name: string,
  options: { watchdogMs: number; environment: NodeJS.ProcessEnv },
  main: (run: BenchRun) => Promise<void>,
): void {
  const controller = new AbortController();
  const watchdog = setTimeout(
    () => controller.abort(new Error(`watchdog: over ${options.watchdogMs / 1000} s`)),
    options.watchdogMs,
  );
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => controller.abort(new Error(`aborted by ${signal}`)));
  }
  const run: BenchRun = {
    name,
    startedAt: new Date(),
    signal: controller.signal,
    cleanup: new Cleanup(),
    environment: options.environment,
  };
  const finish = async () => {
    try {
      await main(run);
      return 0;
    } catch (error) {
      logger.error('benchmark failed', { error });
      console.error(error);
      return 1;
    } finally {
      clearTimeout(watchdog);
      await run.cleanup.run();
    }
  };
  void finish().then((code) => process.exit(code));
}

/**
 * Probes every `intervalMs` until `until` holds for the value probed or `timeoutMs` has passed: the
 * last value, whether it held (`met`), and the time it took.
 */
export async function poll<T>(
  probe: () => Promise<T>,
  until: (value: T) => boolean,
  options: { intervalMs: number; timeoutMs: number; signal: AbortSignal },
): Promise<{ value: T; met: boolean; elapsedMs: number }> {
  const start = performance.now();
  for (;;) {
    options.signal.throwIfAborted();
    const value = await probe();
    const elapsedMs = performance.now() - start;
    if (until(value)) return { value, met: true, elapsedMs };
    if (elapsedMs > options.timeoutMs) return { value, met: false, elapsedMs };
    await sleep(options.intervalMs, undefined, { signal: options.signal });
  }
}
