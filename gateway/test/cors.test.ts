import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cors } from '../src/cors.ts';
import { corsOrigins } from '../src/gatewayConfig.ts';

const allow = cors(['http://localhost:5173']);
const server = createServer((req, res) => {
  if (allow(req, res)) return;
  res.writeHead(200).end('ok');
});
let base: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const preflight = (origin: string) =>
  fetch(base, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('cors', () => {
  it('answers an allowed origin’s preflight 204 with authorization and content-type allowed', async () => {
    const response = await preflight('http://localhost:5173');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization.*content-type/);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('gives another origin no CORS headers, so its browser blocks the call', async () => {
    const response = await preflight('https://evil.example');
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(base, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('defaults to the client app’s development origin, and to none in production until set', () => {
    expect(corsOrigins(undefined, false)).toEqual(['http://localhost:5173']);
    expect(corsOrigins(undefined, true)).toEqual([]);
    expect(corsOrigins('https://shop.example, https://ops.example', true)).toEqual([
      'https://shop.example',
      'https://ops.example',
    ]);
  });
});
