import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpClient,
  createServiceClient,
  REQUEST_ID_HEADER,
  SERVICE_TOKEN_HEADER,
  type ServiceCalls,
  serviceUrls,
  withRequestContext,
} from '../src/index.ts';

/** A small real GraphQL-shaped server: answers by the query text, records what it received. */
let server: Server;
let url: string;
let connections = 0;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    received.push({ headers: request.headers, body });
    const { query } = JSON.parse(body) as { query: string };
    if (query.includes('hang')) return; // never answers
    if (query.includes('refuse'))
      return response.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ message: 'bad query', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
        }),
      );
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ data: { echo: query } }));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

describe('the HTTP client every process calls another with', () => {
  it('keeps connections alive across calls and carries the request id of the request being handled', async () => {
    const client = createHttpClient(url);
    try {
      const before = connections;
      for (let i = 0; i < 10; i++) {
        const answer = await withRequestContext({ requestId: `req-${i}` }, () =>
          client.post(JSON.stringify({ query: `{ call${i} }` }), { 'x-extra': 'yes' }),
        );
        expect(answer).toEqual({ status: 200, text: JSON.stringify({ data: { echo: `{ call${i} }` } }) });
      }
      // undici hands a call to a second socket while the first is still settling: two, never ten.
      expect(connections - before).toBeLessThanOrEqual(2);
      const last = received.at(-1)!;
      expect(last.headers[REQUEST_ID_HEADER]).toBe('req-9');
      expect(last.headers['content-type']).toBe('application/json');
      expect(last.headers['x-extra']).toBe('yes');
    } finally {
      await client.close();
    }
  });

  it('gives up after its timeout when no signal is given, and on the caller’s signal otherwise', async () => {
    const client = createHttpClient(url, { timeoutMs: 50 });
    try {
      await expect(client.post(JSON.stringify({ query: '{ hang }' }))).rejects.toMatchObject({
        name: 'TimeoutError',
      });
      const controller = new AbortController();
      const pending = client.post(JSON.stringify({ query: '{ hang }' }), {}, controller.signal);
      controller.abort(new Error('caller gave up'));
      await expect(pending).rejects.toThrow('caller gave up');
    } finally {
      await client.close();
    }
  });
});

describe('a service calling another', () => {
  const calls = (productUrl: string, token: string): ServiceCalls => ({
    urls: { ...serviceUrls({}), product: productUrl },
    credential: () => token,
    callers: () => undefined,
  });

  it('sends the credential it is given and returns the data', async () => {
    const client = createServiceClient('product', calls(url, 'caller-credential'));
    expect(await client.request<{ echo: string }>('{ products }')).toEqual({ echo: '{ products }' });
    expect(received.at(-1)!.headers[SERVICE_TOKEN_HEADER]).toBe('caller-credential');
  });

  it('turns a refusal, a timeout and an unreachable service into SERVICE_UNAVAILABLE naming the service', async () => {
    const refused = createServiceClient('product', calls(url, 't'));
    await expect(refused.request('{ refuse }')).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE', upstreamCode: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const slow = createServiceClient('product', calls(url, 't'), { timeoutMs: 50 });
    await expect(slow.request('{ hang }')).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE', timedOut: true },
    });
    const down = createServiceClient('product', calls('http://127.0.0.1:9/graphql', 't'));
    await expect(down.request('{ products }')).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });
});
