/**
 * The other competitor: Hive Gateway (`createGatewayRuntime`, its default configuration) over the
 * supergraph file at `SUPERGRAPH_PATH`, on Node's HTTP server; with `HIVE_ROUTER_RUNTIME=true`, its
 * Rust query planner and executor (@graphql-hive/router-runtime); with `HIVE_DEDUPLICATION=on`, its
 * deduplication of identical requests in flight. The only addition is the service credential and the
 * benchmark's caller on every subgraph request (`benchSubgraphHeaders`). Run by `npm run
 * bench:gateway` as a process on `PORT`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { benchSubgraphHeaders } from './benchSubgraphHeaders.ts';

// Imported by name only, so that Hive's type declarations (which augment graphql's error extensions
// and the fetch types differently from Apollo Server's) stay out of this repository's type check.
interface HiveGateway {
  createGatewayRuntime(config: Record<string, unknown>): ((...args: never[]) => unknown) & {
    dispose(): unknown;
  };
}
interface FetchHookPayload {
  url: string;
  options: { headers?: Record<string, string> };
  setOptions(options: unknown): void;
}
const hive = (await import('@graphql-hive/gateway' as string)) as HiveGateway;
const routerRuntime = '@graphql-hive/router-runtime' as string;

const supergraph = readFileSync(process.env.SUPERGRAPH_PATH ?? '', 'utf8');
// Each subgraph gets the gateway's credential for it: its URL names it in the supergraph.
const headersByUrl = new Map(
  [...supergraph.matchAll(/@join__graph\(name: "(\w+)", url: "([^"]+)"\)/g)].map(
    ([, name, url]) => [url as string, benchSubgraphHeaders(name as string)] as const,
  ),
);
const withSubgraphHeaders = {
  onFetch({ url, options, setOptions }: FetchHookPayload) {
    setOptions({ ...options, headers: { ...options.headers, ...headersByUrl.get(url) } });
  },
};
const rust = process.env.HIVE_ROUTER_RUNTIME === 'true';
const gateway = hive.createGatewayRuntime({
  supergraph,
  plugins: () => [withSubgraphHeaders],
  logging: 'error',
  inboundInflightRequestDeduplication: process.env.HIVE_DEDUPLICATION === 'on',
  ...(rust
    ? {
        unifiedGraphHandler: ((await import(routerRuntime)) as { unifiedGraphHandler: unknown })
          .unifiedGraphHandler,
      }
    : {}),
});
const server = createServer(gateway as unknown as Parameters<typeof createServer>[1] & object);
server.listen(Number(process.env.PORT), '127.0.0.1', () =>
  console.log(`Hive Gateway${rust ? ' (Rust query planner)' : ''} ready on ${process.env.PORT}`),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () =>
    server.close(() => void Promise.resolve(gateway.dispose()).then(() => process.exit(0))),
  );
