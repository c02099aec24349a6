import type { BackgroundProcess, Logger } from '@msd/service-kit';

/** The wait after `failures` failures in a row: 100 ms, doubling, at most 5 s. */
export function backoffDelay(failures: number): number {
  return Math.min(5_000, 50 * 2 ** Math.min(failures, 7));
}

/**
 * A loop that runs `cycle` until stopped: after a cycle that found more to do at once (it returns
 * true), again now; after one that did not, after `sleep(idleMs)`; after a failure, after a backoff
 * that grows with the failures in a row. The first failure and every 20th are logged (an outage
 * should not flood the log), and the first success after them.
 */
export function createRetryLoop(options: {
  name: string;
  logger: Logger;
  cycle: () => Promise<boolean>;
  /** The wait after a cycle that found nothing more to do (read before each wait). */
  idleMs: number | (() => number);
  /** Waits `ms`, or less when `wake` is called. */
  sleep: (ms: number) => Promise<void>;
  wake: () => void;
}): BackgroundProcess {
  const { name, logger } = options;
  let running = false;
  let loop: Promise<void> | undefined;

  const run = async () => {
    let failures = 0;
    while (running) {
      try {
        const more = await options.cycle();
        if (failures > 0) logger.info(`${name}: working again`, { afterFailures: failures });
        failures = 0;
        if (!more && running)
          await options.sleep(typeof options.idleMs === 'function' ? options.idleMs() : options.idleMs);
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0)
          logger.warn(`${name} failed, will retry`, { failures, error });
        if (running) await options.sleep(backoffDelay(failures));
      }
    }
  };

  return {
    async start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      options.wake();
      await loop;
    },
  };
}
