import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { clearEventBus, eventBus } from '@msd/events';
import { databaseUrlVariable, type ServiceName, serviceNames } from '@msd/registry';
import { createLogger } from '@msd/service-kit';
import { createTestDatabase, freePort, graphqlRequest, type TestDatabase } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchStack, type RunningStack } from '../src/index.ts';

/** One span as OTLP/JSON exports it, with the process (service.name) that exported it. */
interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}
type OtlpJson = {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: Omit<CollectedSpan, 'service'>[] }[];
  }[];
};

// A real OTLP/HTTP receiver: every process exports to it, as it would to a collector or Jaeger.
const spans: CollectedSpan[] = [];
const protobufBodies: Buffer[] = [];
let receiver: Server;
let stack: RunningStack;
const databases: TestDatabase[] = [];
const bus = eventBus({ prefix: `test-${randomUUID()}` });
// Shipping exports protobuf (the OTLP default), every other process JSON: both encodings are exercised.
const protobufProcess = 'shipping';
const output: string[] = [];

beforeAll(async () => {
  // The compiled stack: it starts in a fraction of tsx's time, and it is what production traces.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url !== '/v1/traces') {
        // Only traces are exported (metrics are Prometheus's); anything else is a bug.
        res.writeHead(404).end();
        return;
      }
      if (req.headers['content-type']?.includes('json')) {
        for (const resource of (JSON.parse(body.toString()) as OtlpJson).resourceSpans) {
          const service =
            resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const scope of resource.scopeSpans)
            for (const span of scope.spans) spans.push({ ...span, service });
        }
      } else protobufBodies.push(body);
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
      res.end(req.headers['content-type']?.includes('json') ? '{}' : '');
    });
  });
  const receiverPort = await freePort();
  await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));

  const env: Record<string, string> = {
    EVENTS_PREFIX: bus.prefix,
    LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  for (const service of serviceNames) {
    const database = await createTestDatabase(service as ServiceName);
    databases.push(database);
    env[databaseUrlVariable(service)] = database.url;
  }
  stack = await launchStack({
    logger: createLogger('tracing-test'),
    environment: process.env,
    portBase: await freeRange(),
    built: true,
    env,
    envFor: (name) => ({
      OTEL_EXPORTER_OTLP_PROTOCOL: name === protobufProcess ? 'http/protobuf' : 'http/json',
    }),
    readyTimeoutMs: 150_000,
    output: (name, line) => output.push(`${name} | ${line}`),
  });
}, 240_000);
afterAll(async () => {
  if (process.env.TRACING_TEST_OUTPUT) console.error(output.join('\n'));
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await Promise.all(databases.map((database) => database.drop()));
  await clearEventBus(bus);
});

/** Eight consecutive free ports for the stack (gateway + seven services). */
async function freeRange(): Promise<number> {
  for (;;) {
    // Below the ephemeral range (32768+), where outgoing connections could take a port meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = await Promise.all(Array.from({ length: 8 }, (_, i) => isFree(base + i)));
    if (ports.every(Boolean)) return base;
  }
}
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('one trace through the synchronous and the asynchronous half', () => {
  it('follows placeOrder through the outbox, the relay and the queues into inventory, shipping and back to the order', async () => {
    const query = <T>(
      text: string,
      variables: Record<string, unknown> = {},
      headers: Record<string, string> = {},
    ) => graphqlRequest<T>(stack.gatewayUrl, text, variables, { as: 'operator', headers });
    const created = await query<{ createProduct: { id: string } }>(
      'mutation { createProduct(input: { sku: "TR-1", name: "Traced Kettle", price: 20 }) { id } }',
    );
    const productId = created.data!.createProduct.id;
    await vi.waitFor(
      async () => {
        const restocked = await query(
          'mutation ($id: ID!) { restock(productId: $id, quantity: 5) { stock } }',
          {
            id: productId,
          },
        );
        expect(restocked.errors).toBeUndefined();
      },
      { timeout: 10_000, interval: 200 },
    );

    // The client starts the trace: every span of the order's whole life must carry this id.
    const traceId = randomBytes(16).toString('hex');
    const placed = await query<{ placeOrder: { id: string } }>(
      'mutation ($id: ID!) { placeOrder(input: { customerId: "c-1", items: [{ productId: $id, quantity: 2 }] }) { id } }',
      { id: productId },
      { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    );
    expect(placed.errors).toBeUndefined();
    const orderId = placed.data!.placeOrder.id;
    await vi.waitFor(
      async () => {
        const { data } = await query<{ order: { status: string; shipment: { status: string } | null } }>(
          'query ($id: ID!) { order(id: $id) { status shipment { status } } }',
          { id: orderId },
        );
        expect(data?.order).toEqual({ status: 'CONFIRMED', shipment: { status: 'PENDING' } });
      },
      { timeout: 15_000, interval: 200 },
    );

    const inTrace = () => spans.filter((span) => span.traceId === traceId);
    const find = (service: string, name: string) =>
      inTrace().find((s) => s.service === service && s.name === name);
    await vi.waitFor(
      () => {
        expect(find('order', 'process StockReserved.order')).toBeDefined();
        expect(protobufBodies.some((body) => body.includes(Buffer.from(traceId, 'hex')))).toBe(true);
      },
      { timeout: 15_000, interval: 200 },
    );
    const trace = inTrace();
    const services = new Set(trace.map((span) => span.service));
    expect([...services].sort()).toEqual(
      expect.arrayContaining(['gateway', 'inventory', 'order', 'product']),
    );

    // The synchronous half: the gateway planned and fetched, order executed GraphQL, called product, wrote.
    const names = (service: string) => trace.filter((s) => s.service === service).map((s) => s.name);
    expect(names('gateway')).toEqual(
      expect.arrayContaining(['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']),
    );
    expect(names('order')).toEqual(
      expect.arrayContaining(['mutation', 'graphql.resolve placeOrder', 'publish OrderCreated']),
    );
    // The order, its items and its OrderCreated: one named statement (`insertOrder`).
    expect(names('order').filter((name) => name.startsWith('pg.query:insert order')).length).toBeGreaterThan(
      0,
    );
    // placeOrder read the product's name and price through its API, traced into the product service.
    expect(names('product')).toEqual(expect.arrayContaining(['graphql.resolve _entities']));
    expect(names('product').some((name) => name.startsWith('pg.query:SELECT'))).toBe(true);

    // The asynchronous half, each hop the child of the one before.
    const publishOrderCreated = find('order', 'publish OrderCreated');
    const reserve = find('inventory', 'process OrderCreated.inventory');
    const publishReserved = find('inventory', 'publish StockReserved');
    const confirm = find('order', 'process StockReserved.order');
    expect(publishOrderCreated && reserve && publishReserved && confirm).toBeTruthy();
    expect(reserve!.parentSpanId).toBe(publishOrderCreated!.spanId);
    expect(confirm!.parentSpanId).toBe(publishReserved!.spanId);
    // publish StockReserved descends from the reservation (through its transaction's spans).
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    let ancestor = publishReserved;
    while (ancestor && ancestor !== reserve)
      ancestor = ancestor.parentSpanId ? byId.get(ancestor.parentSpanId) : undefined;
    expect(ancestor).toBe(reserve);

    // Shipping (protobuf): its consumer span of this trace reached the receiver, named and attributed.
    // Spans of one trace may leave in several batches: the one holding the consumer span is looked for.
    await vi.waitFor(
      () => {
        const shippingExport = protobufBodies.find(
          (body) =>
            body.includes(Buffer.from(traceId, 'hex')) && body.includes('process OrderCreated.shipping'),
        );
        expect(shippingExport?.includes(protobufProcess)).toBe(true);
      },
      { timeout: 15_000 },
    );
  });
});
