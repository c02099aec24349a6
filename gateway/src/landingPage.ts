import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { developmentKeyFile, developmentToken, type Role, roles } from '@msd/service-kit';

const require = createRequire(import.meta.url);

/** A package's folder, found from its entry point (graphiql's `exports` hide its browser build's path). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name.split('/').at(-1))
    dir = path.dirname(dir);
  return dir;
}

/** GraphiQL 3's self-contained browser build and the React 18 it runs on, served from node_modules. */
const graphiqlAssets: Record<string, { file: string; type: string }> = {
  'graphiql.min.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
  'react.production.min.js': {
    file: path.join(packageDir('react'), 'umd/react.production.min.js'),
    type: 'text/javascript',
  },
  'react-dom.production.min.js': {
    file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
    type: 'text/javascript',
  },
};

const FALLBACK_AFTER_MS = 4_000;

/**
 * The gateway's landing page. In production Apollo's production page (no Sandbox, no GraphiQL).
 * Elsewhere Apollo Sandbox from Apollo's CDN, opening with a development token of `SANDBOX_ROLE`
 * (default operator) in its `Authorization` header; where the CDN cannot be reached (offline), the
 * page moves on to /graphiql: GraphiQL served by the gateway itself, with the same header filled
 * in. Returns the plugin and the route handler for /graphiql (null in production).
 */
export function landingPage(options: { production: boolean; role?: string | undefined }): {
  plugin: ApolloServerPlugin;
  routes: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
} {
  if (options.production)
    return { plugin: ApolloServerPluginLandingPageProductionDefault({ footer: false }), routes: null };
  const role: Role = roles.includes(options.role as Role) ? (options.role as Role) : 'operator';
  const token = developmentToken(role, undefined, { expiresIn: '7d', file: developmentKeyFile(process.env) });
  token.catch(() => {}); // surfaced by serverWillStart
  const plugin: ApolloServerPlugin = {
    async serverWillStart(service) {
      const headers = { Authorization: `Bearer ${await token}` };
      const sandbox = await ApolloServerPluginLandingPageLocalDefault({
        embed: true,
        footer: false,
        headers,
      }).serverWillStart?.(service);
      if (!sandbox?.renderLandingPage) return sandbox;
      const render = sandbox.renderLandingPage.bind(sandbox);
      return {
        ...sandbox,
        async renderLandingPage() {
          const page = await render();
          return {
            html: async () =>
              withGraphiqlFallback(typeof page.html === 'string' ? page.html : await page.html()),
          };
        },
      };
    },
  };
  return {
    plugin,
    routes(req, res) {
      if (req.method !== 'GET') return false;
      const url = new URL(req.url ?? '/', 'http://gateway');
      if (url.pathname === '/graphiql') {
        token.then(
          (value) => send(res, 'text/html; charset=utf-8', graphiqlPage(value)),
          () => send(res, 'text/plain', 'no development token', 500),
        );
        return true;
      }
      const asset = url.pathname.startsWith('/graphiql/')
        ? graphiqlAssets[url.pathname.slice(10)]
        : undefined;
      if (!asset) return false;
      send(res, asset.type, readFileSync(asset.file), 200, 'public, max-age=86400');
      return true;
    },
  };
}

/** Moves on to /graphiql when Sandbox's script did not load (failed at once, or still nothing after a while). */
function withGraphiqlFallback(html: string): string {
  const nonce = /nonce="([^"]+)"/.exec(html)?.[1] ?? '';
  const fallback = `<script nonce="${nonce}">if (!window.EmbeddedSandbox) location.replace('/graphiql');</script>`;
  const timer = `<script nonce="${nonce}">setTimeout(function () { if (!window.EmbeddedSandbox) location.replace('/graphiql'); }, ${FALLBACK_AFTER_MS});</script>`;
  return html
    .replace(/(<div id="embeddableSandbox"><\/div>)/, `$1${timer}`)
    .replace(/(<script[^>]*embeddable-sandbox[^>]*><\/script>)/, `$1${fallback}`)
    .replace(
      'Apollo Sandbox cannot be loaded; it appears that you might be offline.',
      'Apollo Sandbox cannot be loaded; it appears that you might be offline. Opening <a href="/graphiql">GraphiQL</a>, served by this gateway…',
    );
}

function graphiqlPage(token: string): string {
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
  const config = JSON.stringify({ headers }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>GraphiQL: the gateway</title>
  <link rel="icon" href="data:," />
  <link rel="stylesheet" href="/graphiql/graphiql.min.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/react.production.min.js"></script>
  <script src="/graphiql/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql.min.js"></script>
  <script>
    var config = ${config};
    var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', location.href).toString() });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        headers: config.headers,
        defaultEditorToolsVisibility: 'headers',
        defaultQuery: '# A development token of this gateway is in the Headers tab below.\\n{\\n  products(first: 5) { id name price stock }\\n}\\n',
      }),
    );
  </script>
</body>
</html>`;
}

function send(res: ServerResponse, type: string, body: string | Buffer, status = 200, cache = 'no-store') {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache });
  res.end(body);
}
