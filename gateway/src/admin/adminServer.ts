import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BackgroundProcess, type Logger, metrics } from '@msd/service-kit';
import type { SubgraphHealthReport } from './subgraphHealth.ts';

/**
 * The admin surface on a port of its own (`ADMIN_PORT`): /metrics and /subgraphs (health and
 * circuit states), kept off the public port in production so that only the network that can reach
 * this port (Prometheus, operators) sees them. Runs beside the gateway as a background process.
 */
export function adminServer(
  port: number,
  host: string,
  report: () => Promise<SubgraphHealthReport>,
  logger: Logger,
): BackgroundProcess & { port(): number } {
  let server: Server | undefined;
  return {
    async start() {
      server = createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        const answer = async () => {
          if (req.method === 'GET' && path === '/metrics') {
            res.writeHead(200, { 'content-type': metrics.contentType });
            return res.end(await metrics.metrics());
          }
          if (req.method === 'GET' && path === '/subgraphs') {
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
            return res.end(JSON.stringify(await report()));
          }
          res.writeHead(404).end();
        };
        answer().catch((error: unknown) => {
          logger.error('admin request failed', { error, path });
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      });
      await new Promise<void>((resolve, reject) => {
        server?.once('error', reject);
        server?.listen(port, host, () => resolve());
      });
      logger.info('admin surface listening', { port: (server.address() as AddressInfo).port });
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
    port: () => (server?.address() as AddressInfo | null)?.port ?? port,
  };
}
