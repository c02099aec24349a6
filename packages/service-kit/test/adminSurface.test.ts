import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSurface } from '../src/createHttpServer.ts';
import {
  createSubgraphServer,
  SERVICE_TOKEN_HEADER,
  serviceCallerCheck,
  serviceCredential,
} from '../src/index.ts';

const server = createSubgraphServer({
  name: 'inventory',
  callers: serviceCallerCheck('inventory', { NODE_ENV: 'test' }),
  typeDefs: parse('type Query { stock: Int }'),
  resolvers: { Query: { stock: () => 1 } },
  context: () => ({}),
  readyChecks: {},
});
const admin = adminSurface(server.http, 0, '127.0.0.1');
let publicBase: string;
let adminBase: string;
beforeAll(async () => {
  const { port } = await server.listen(0);
  await admin.start();
  publicBase = `http://127.0.0.1:${port}`;
  adminBase = `http://127.0.0.1:${admin.port()}`;
});
afterAll(async () => {
  await admin.stop();
  await server.stop();
});

describe('a subgraph with an admin surface (ADMIN_PORT)', () => {
  it('serves /ready and /metrics on the admin port only; GraphQL on the public port only', async () => {
    expect((await fetch(`${adminBase}/ready`)).status).toBe(200);
    expect((await fetch(`${adminBase}/metrics`)).status).toBe(200);
    expect((await fetch(`${adminBase}/health`)).status).toBe(200);
    expect((await fetch(`${publicBase}/ready`)).status).toBe(404);
    expect((await fetch(`${publicBase}/metrics`)).status).toBe(404);
    expect((await fetch(`${publicBase}/health`)).status).toBe(200);
    const query = (base: string) =>
      fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SERVICE_TOKEN_HEADER]: serviceCredential('gateway', 'inventory', { NODE_ENV: 'test' }),
        },
        body: JSON.stringify({ query: '{ stock }' }),
      });
    expect(await (await query(publicBase)).json()).toEqual({ data: { stock: 1 } });
    expect((await query(adminBase)).status).toBe(404);
  });
});
