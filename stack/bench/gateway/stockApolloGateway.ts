/**
 * The competitor: stock @apollo/gateway inside Apollo Server, as its documentation sets it up
 * (`startStandaloneServer`), over the supergraph file at `SUPERGRAPH_PATH`. The only addition is the
 * service credential and the benchmark's caller on every subgraph request (`benchSubgraphHeaders`).
 * Run by `npm run bench:gateway` as a process of its own on `PORT`.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { benchSubgraphHeaders } from './benchSubgraphHeaders.ts';

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH ?? '', 'utf8'),
  buildService: ({ name: subgraph, url }) => {
    const headers = Object.entries(benchSubgraphHeaders(subgraph));
    return new RemoteGraphQLDataSource({
      url,
      willSendRequest: ({ request }) => {
        for (const [name, value] of headers) request.http?.headers.set(name, value);
      },
    });
  },
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
});
console.log(`stock @apollo/gateway ready at ${url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void server.stop().then(() => process.exit(0)));
