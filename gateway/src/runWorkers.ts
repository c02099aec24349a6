import cluster from 'node:cluster';
import type { Logger } from '@msd/service-kit';

/*
 * How many gateway processes share the port on this machine (node:cluster; the primary only forks,
 * restarts and stops them). Default 1: on a 2-core machine that also runs the services and
 * PostgreSQL, a second gateway mostly competes with them for the same cores. The workers share
 * nothing but Redis: the entity cache is there already, and each update event is taken by one
 * worker, whose drop holds for all.
 */

/**
 * Runs `start` in this process when one worker is asked for (or in a worker); otherwise forks the
 * workers and stays their primary: a worker that dies is replaced, SIGINT/SIGTERM stops them all
 * (each drains, for at most 10 s) and then the primary.
 */
export async function runWorkers(logger: Logger, count: number, start: () => Promise<void>): Promise<void> {
  if (count <= 1 || cluster.isWorker) return start();
  let stopping = false;
  const fork = () =>
    cluster.fork().once('exit', (code, signal) => {
      if (stopping) return;
      logger.warn('gateway worker exited; starting another', { code, signal });
      fork();
    });
  for (let i = 0; i < count; i++) fork();
  logger.info('gateway workers started', { workers: count });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const worker of workers) {
      worker?.once('exit', () => --left === 0 && process.exit(0));
      worker?.process.kill('SIGTERM');
    }
    // A worker that does not finish draining in time is not waited for.
    setTimeout(() => {
      for (const worker of workers) worker?.process.kill('SIGKILL');
    }, 10_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
