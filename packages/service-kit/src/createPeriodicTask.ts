import type { Logger } from './createLogger.ts';
import type { BackgroundProcess } from './serverLifecycle.ts';

/** A background task run every `intervalMs`, one run at a time, and on demand. */
export interface PeriodicTask<T> extends BackgroundProcess {
  /** Runs the task now, or joins the run in progress: there is never more than one at a time. */
  run(): Promise<T>;
}

/**
 * Work that repeats beside a server (retention, recovery, sweeps, samples). A run that is still going
 * when the next one is due is joined, not doubled; a failed run is logged and the next one retries;
 * `stop` cancels the schedule and waits for the run in progress, so nothing outlives the pools it uses.
 * The timer does not keep the process alive.
 */
export function createPeriodicTask<T>(options: {
  /** What the task is, for the log: `retention`, `in-doubt resolver`. */
  name: string;
  intervalMs: number;
  logger: Logger;
  work: () => Promise<T>;
  /** Also run once at start (not awaited: the server serves meanwhile). */
  runOnStart?: boolean;
  /** Called with what each scheduled run returned (not for `run()` calls, whose callers see it). */
  onResult?: (result: T) => void;
}): PeriodicTask<T> {
  const { name, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<T> | undefined;

  const run = () => {
    current ??= options.work().finally(() => {
      current = undefined;
    });
    return current;
  };
  const scheduled = () => {
    run().then(options.onResult, (error: unknown) =>
      logger.warn(`${name} failed; the next run retries`, { error }),
    );
  };

  return {
    run,
    async start() {
      if (timer) return;
      if (options.runOnStart) scheduled();
      timer = setInterval(scheduled, options.intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await current?.catch(() => {});
    },
  };
}
