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
const graphiqlAssets: ReadonlyMap<string, { file: string; type: string }> = new Map(
  Object.entries({
    'graphiql.min.js': {
      file: path.join(packageDir('graphiql'), 'graphiql.min.js'),
      type: 'text/javascript',
    },
    'graphiql.min.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
    'react.production.min.js': {
      file: path.join(packageDir('react'), 'umd/react.production.min.js'),
      type: 'text/javascript',
    },
    'react-dom.production.min.js': {
      file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
      type: 'text/javascript',
    },
  }),
);

const FALLBACK_AFTER_MS = 4_000;
/** The page's token: hours, not days, and minted again well before it runs out. */
const TOKEN_LIFETIME = '8h';
const TOKEN_RENEW_AFTER_MS = 60 * 60_000;
/** Where Sandbox's page says Authorization; the current token replaces it on every render. */
const TOKEN_PLACEHOLDER = 'development-token-placeholder';
/** The gateway's own names: a page served under another Host (DNS rebinding) never gets a token. */
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const HTML_PATHS = ['/', '/graphql', '/graphiql'];

/**
 * The gateway's landing page. In production Apollo's production page (no Sandbox, no GraphiQL, no
 * token). Elsewhere Apollo Sandbox from Apollo's CDN, opening with a development token of
 * `SANDBOX_ROLE` (default operator, valid for hours) in its `Authorization` header; where the CDN
 * cannot be reached (offline), the page moves on to /graphiql: GraphiQL served by the gateway
 * itself, with the same header filled in. Both pages go only to requests whose Host is the
 * gateway's own (loopback names, or `hosts`); any other Host gets 403 and no token. Returns the
 * plugin and the route handler for /graphiql and the Host check (null in production).
 */
export function landingPage(options: {
  production: boolean;
  role?: string | undefined;
  /** More host names the gateway answers to (`SANDBOX_HOSTS`), e.g. a development VM's name. */
  hosts?: readonly string[] | undefined;
  /** The development key pair its token is signed with (`AUTH_DEV_KEY_FILE`). */
  keyFile?: string | undefined;
}): {
  plugin: ApolloServerPlugin;
  routes: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
} {
  if (options.production)
    return { plugin: ApolloServerPluginLandingPageProductionDefault({ footer: false }), routes: null };
  const role: Role = roles.includes(options.role as Role) ? (options.role as Role) : 'operator';
  const keyFile = options.keyFile ?? developmentKeyFile({});
  const currentToken = renewing(() =>
    developmentToken(role, undefined, { expiresIn: TOKEN_LIFETIME, file: keyFile }),
  );
  const ownHosts = new Set([...LOCAL_HOSTS, ...(options.hosts ?? [])].map((host) => host.toLowerCase()));
  const plugin: ApolloServerPlugin = {
    async serverWillStart(service) {
      await currentToken(); // a key that cannot be read stops the start, not the first page
      const headers = { Authorization: `Bearer ${TOKEN_PLACEHOLDER}` };
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
          const html = withGraphiqlFallback(typeof page.html === 'string' ? page.html : await page.html());
          return { html: async () => html.replace(TOKEN_PLACEHOLDER, await currentToken()) };
        },
      };
    },
  };
  return {
    plugin,
    routes(req, res) {
      if (req.method !== 'GET') return false;
      const url = new URL(req.url ?? '/', 'http://gateway');
      const page =
        url.pathname === '/graphiql' ||
        (HTML_PATHS.includes(url.pathname) && /text\/html/i.test(req.headers.accept ?? ''));
      if (page && !ownHosts.has(hostName(req.headers.host))) {
        send(
          res,
          'text/plain; charset=utf-8',
          "The development landing page is served to this gateway's own host names only (localhost, or SANDBOX_HOSTS).",
          403,
        );
        return true;
      }
      if (url.pathname === '/graphiql') {
        currentToken().then(
          (value) => send(res, 'text/html; charset=utf-8', graphiqlPage(value)),
          () => send(res, 'text/plain', 'no development token', 500),
        );
        return true;
      }
      const asset = url.pathname.startsWith('/graphiql/')
        ? graphiqlAssets.get(url.pathname.slice(10))
        : undefined;
      if (!asset) return false;
      send(res, asset.type, readFileSync(asset.file), 200, 'public, max-age=86400');
      return true;
    },
  };
}

/** The host name of a `Host` header, lower-cased, without its port (`[::1]` keeps its brackets). */
function hostName(host: string | undefined): string {
  const name = /^(\[[^\]]*\]|[^:]*)/.exec(host ?? '')?.[1] ?? '';
  return name.toLowerCase();
}

/** The latest token, minted again once it is older than TOKEN_RENEW_AFTER_MS. */
function renewing(mint: () => Promise<string>): () => Promise<string> {
  let token: Promise<string> | undefined;
  let mintedAt = 0;
  return () => {
    if (!token || Date.now() - mintedAt > TOKEN_RENEW_AFTER_MS) {
      mintedAt = Date.now();
      token = mint();
      token.catch(() => {
        token = undefined;
      });
    }
    return token;
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
