import type { SubgraphServer } from './createSubgraphServer.ts';

/** Runs a server as a process: listens, and on SIGINT/SIGTERM drains requests and closes pools. */
export async function serve(
  server: Pick<SubgraphServer, 'listen' | 'stop' | 'logger' | 'name'>,
  port: number,
) {
  const { url } = await server.listen(port, process.env.HOST ?? '127.0.0.1');
  server.logger.info(`${server.name} ready`, { url });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info('shutting down', { signal });
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}
