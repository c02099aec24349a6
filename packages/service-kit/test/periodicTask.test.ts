import { describe, expect, it } from 'vitest';
import { createPeriodicTask, type Logger } from '../src/index.ts';

const warnings: string[] = [];
const logger: Logger = {
  debug() {},
  info() {},
  warn: (message) => warnings.push(message),
  error() {},
};

/** A promise with its resolver: the test decides when a run ends. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('createPeriodicTask', () => {
  it('joins a run in progress instead of starting a second one', async () => {
    let runs = 0;
    const { opened, open } = gate();
    const task = createPeriodicTask({
      name: 'joined',
      intervalMs: 60_000,
      logger,
      work: async () => {
        runs++;
        await opened;
        return runs;
      },
    });
    const first = task.run();
    const second = task.run();
    open();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(await task.run()).toBe(2);
  });

  it('runs on schedule and at start, logs a failed run and runs again', async () => {
    let runs = 0;
    const results: number[] = [];
    const task = createPeriodicTask({
      name: 'flaky',
      intervalMs: 5,
      logger,
      runOnStart: true,
      work: async () => {
        runs++;
        if (runs === 2) throw new Error('second run fails');
        return runs;
      },
      onResult: (result) => results.push(result),
    });
    await task.start();
    try {
      await expect.poll(() => results.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await task.stop();
    }
    expect(results[0]).toBe(1);
    expect(results).not.toContain(2);
    expect(warnings).toContain('flaky failed; the next run retries');
  });

  it('stop waits for the run in progress and cancels the schedule', async () => {
    let runs = 0;
    let finished = false;
    const { opened, open } = gate();
    const task = createPeriodicTask({
      name: 'slow',
      intervalMs: 5,
      logger,
      runOnStart: true,
      work: async () => {
        runs++;
        await opened;
        finished = true;
      },
    });
    await task.start();
    const stopped = task.stop().then(() => finished);
    open();
    expect(await stopped).toBe(true);
    const after = runs;
    await task.run(); // on demand still works, and nothing else is scheduled
    expect(runs).toBe(after + 1);
  });
});
