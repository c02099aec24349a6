import { shutdownTelemetry } from '@msd/telemetry';
import { adminSurface } from './createHttpServer.ts';
import type { SubgraphServer } from './createSubgraphServer.ts';

export interface ServeOptions {
  port: number;
  host: string;
  /** Overall budget of a graceful shutdown; past it the process exits with code 1 anyway. */
  shutdownTimeoutMs: number;
  /** How long the process keeps serving, /ready answering 503 "draining", before it closes. */
  shutdownDelayMs: number;
  /** A port of its own for /health, /ready and /metrics (`ADMIN_PORT`); unset: the public port serves them. */
  adminPort?: number | undefined;
}

/**
 * Runs a server as a process: listens, and on SIGINT/SIGTERM drains: /ready says draining at once
 * (load balancers stop routing), requests in flight finish, background work stops, pools close.
 * The whole shutdown has a deadline, since an orchestrator kills a process that outstays its
 * grace period without telling it; exiting on our own deadline at least logs what hung.
 */
export async function serve(
  server: Pick<SubgraphServer, 'listen' | 'stop' | 'drain' | 'logger' | 'name' | 'http'>,
  options: ServeOptions,
) {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info('shutting down', { signal, deadlineMs: options.shutdownTimeoutMs });
    setTimeout(() => {
      server.logger.error('shutdown deadline exceeded: exiting with work unfinished', {
        deadlineMs: options.shutdownTimeoutMs,
      });
      process.exit(1);
    }, options.shutdownTimeoutMs);
    server.drain();
    await listening.catch(() => {});
    if (options.shutdownDelayMs > 0)
      await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
    try {
      await server.stop();
      await admin?.stop();
      server.logger.info('stopped');
      await shutdownTelemetry();
      process.exit(0);
    } catch (error) {
      server.logger.error('shutdown failed', { error });
      process.exit(1);
    }
  };
  // `on`, not `once`: signal-exit (in the dependency tree) re-raises a signal it thinks nobody else handles.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Signals are handled from the start: a stop that comes while background work starts still drains.
  const admin =
    options.adminPort === undefined ? undefined : adminSurface(server.http, options.adminPort, options.host);
  const listening = server.listen(options.port, options.host);
  const { url } = await listening;
  await admin?.start();
  server.logger.info(`${server.name} ready`, { url, ...(admin ? { adminPort: admin.port() } : {}) });
}
