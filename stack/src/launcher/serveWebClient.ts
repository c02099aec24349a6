import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { developmentToken, type Role, roles } from '@msd/service-kit';
import { createServer, type Plugin, type ViteDevServer } from 'vite';

export interface WebClientOptions {
  /** The gateway the app calls (from the browser, with CORS). */
  gatewayUrl: string;
  port?: number;
  /** The development key file tokens are signed with (`developmentKeyFile`). */
  keyFile: string;
  /** The launcher's `NODE_ENV` is production: refused. */
  production: boolean;
}

/**
 * Serves the web client (web/, Vite's development server) and, beside it, the two routes a
 * development sign-in needs: /app-config.json (the gateway's URL) and /dev/token?role=&subject=
 * (a development token signed with the development key). Never in production: development tokens
 * exist only where the gateway trusts the development key.
 */
export async function serveWebClient(
  options: WebClientOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  if (options.production)
    throw new Error('The development web server does not run in production: build web/ and serve web/dist');
  const server: ViteDevServer = await createServer({
    configFile: path.join(repoRoot, 'web', 'vite.config.ts'),
    server: { port: options.port ?? 5173, strictPort: true, host: '127.0.0.1' },
    logLevel: 'warn',
    clearScreen: false,
    plugins: [developmentRoutes(options.gatewayUrl, options.keyFile)],
  });
  await server.listen();
  const port = server.config.server.port;
  return { url: `http://localhost:${port}/`, close: () => server.close() };
}

function developmentRoutes(gatewayUrl: string, keyFile: string): Plugin {
  return {
    name: 'msd-development-routes',
    configureServer(server) {
      server.middlewares.use('/app-config.json', (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ gatewayUrl, developmentTokens: true }));
      });
      server.middlewares.use('/dev/token', (req, res) => {
        const query = new URL(req.url ?? '', 'http://localhost').searchParams;
        const role = query.get('role') as Role | null;
        const subject = query.get('subject') || undefined;
        if (!role || !roles.includes(role) || (subject && !/^[\x21-\x7e]{1,200}$/.test(subject))) {
          res.statusCode = 400;
          res.end(`role must be one of ${roles.join(', ')}; subject printable ASCII`);
          return;
        }
        developmentToken(role, subject, { file: keyFile }).then(
          (token) => {
            res.setHeader('content-type', 'application/json');
            res.setHeader('cache-control', 'no-store');
            res.end(JSON.stringify({ token }));
          },
          (error: Error) => {
            res.statusCode = 500;
            res.end(error.message);
          },
        );
      });
    },
  };
}
