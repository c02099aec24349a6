import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { openProductDatabase } from '@msd/product-service/database';
import { SERVICE_TOKEN_HEADER, serviceCredential } from '@msd/service-kit';
import { openShippingDatabase } from '@msd/shipping-service/database';
import { graphqlRequest } from '@msd/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';

// Findings of the security review (docs/security.md), each closed and checked through the gateway
// or against a service as another process would call it.
let federation: TestFederation;
let base: URL;
let shippingDb: ReturnType<typeof openShippingDatabase>;
let productDb: ReturnType<typeof openProductDatabase>;

beforeAll(async () => {
  federation = await startTestFederation();
  base = new URL(federation.gatewayUrl);
  shippingDb = openShippingDatabase(federation.subgraphs.shipping.databaseUrl);
  productDb = openProductDatabase(federation.subgraphs.product.databaseUrl);
}, 120_000);
afterAll(async () => {
  await shippingDb?.$disconnect();
  await productDb?.$disconnect();
  await federation?.stop();
});

/** A GET with the Host header a browser would send (fetch does not let a test set it). */
function get(path: string, host: string, accept = 'text/html'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname: base.hostname, port: base.port, path, headers: { host, accept } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
const tokenIn = (html: string) => /Bearer ([\w-]+\.[\w-]+\.[\w-]+)/.exec(html)?.[1];

describe('the development landing page', () => {
  it('gives its token only to the gateway’s own host names, for hours', async () => {
    for (const host of [`localhost:${base.port}`, `127.0.0.1:${base.port}`, `[::1]:${base.port}`]) {
      for (const path of ['/', '/graphiql']) {
        const page = await get(path, host);
        expect(page.status, `${host}${path}`).toBe(200);
        const { iat, exp } = decodeJwt(tokenIn(page.body) ?? '');
        expect((exp ?? Infinity) - (iat ?? 0)).toBeLessThanOrEqual(8 * 60 * 60);
      }
    }
  });

  it('answers 403 without a token to any other Host (a page reaching it by DNS rebinding)', async () => {
    for (const host of [`attacker.example:${base.port}`, 'localhost.attacker.example', '10.0.0.7'])
      for (const path of ['/', '/graphql', '/graphiql']) {
        const page = await get(path, host);
        expect(page.status, `${host}${path}`).toBe(403);
        expect(page.body).not.toContain('Bearer');
      }
  });

  it('answers 404 to paths named after Object.prototype members', async () => {
    for (const path of ['/graphiql/constructor', '/graphiql/__proto__', '/graphiql/toString'])
      expect((await get(path, `localhost:${base.port}`, '*/*')).status, path).toBe(404);
    expect((await get('/graphiql/graphiql.min.css', `localhost:${base.port}`, '*/*')).status).toBe(200);
  });
});

describe('a shipment’s order', () => {
  it('is its customer’s and operators’ only: another customer gets FORBIDDEN, not the order id', async () => {
    const orderId = randomUUID();
    const { id } = await shippingDb.shipment.create({ data: { orderId, customerId: 'customer-ship-1' } });
    const query = 'query ($id: ID!) { shipment(id: $id) { id order { id } } }';
    const asCustomer = (subject: string) =>
      graphqlRequest(federation.gatewayUrl, query, { id }, { as: 'customer', subject });

    const own = await asCustomer('customer-ship-1');
    expect(own.errors).toBeUndefined();
    expect(own.data).toEqual({ shipment: { id, order: { id: orderId } } });
    const operator = await graphqlRequest(federation.gatewayUrl, query, { id }, { as: 'operator' });
    expect(operator.data).toEqual({ shipment: { id, order: { id: orderId } } });

    const other = await asCustomer('customer-ship-2');
    expect(other.data).toEqual({ shipment: null });
    expect(other.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(other)).not.toContain(orderId);
  });
});

describe('service credentials', () => {
  const createProduct = (credential: string | undefined) =>
    fetch(federation.subgraphs.product.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(credential === undefined ? {} : { [SERVICE_TOKEN_HEADER]: credential }),
      },
      body: JSON.stringify({
        query: `mutation { createProduct(input: { sku: "SEC-${randomUUID()}", name: "Probe", price: 1 }) { id } }`,
      }),
    });

  it('a service refuses a caller the registry does not allow, and keys meant for another service; nothing is written', async () => {
    const before = await productDb.product.count();
    for (const credential of [
      undefined,
      serviceCredential('ride', 'product', { NODE_ENV: 'test' }), // ride does not call product
      serviceCredential('driver', 'product', { NODE_ENV: 'test' }),
      serviceCredential('gateway', 'order', { NODE_ENV: 'test' }), // the gateway's key for order, replayed at product
      serviceCredential('order', 'inventory', { NODE_ENV: 'test' }),
      `gateway.${serviceCredential('gateway', 'order', { NODE_ENV: 'test' }).split('.')[1]}`,
    ]) {
      const response = await createProduct(credential);
      expect(response.status, credential).toBe(401);
      expect(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions
          .code,
      ).toBe('UNAUTHENTICATED');
    }
    expect(await productDb.product.count()).toBe(before);
  });

  it('accepts the callers the registry allows (the gateway, order, coordinator)', async () => {
    for (const caller of ['gateway', 'order', 'coordinator'] as const) {
      const response = await createProduct(serviceCredential(caller, 'product', { NODE_ENV: 'test' }));
      expect(response.status, caller).toBe(200);
    }
  });
});
