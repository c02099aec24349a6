import { randomUUID } from 'node:crypto';
import { clearEventBus, eventBus } from '@msd/events';
import { processSecrets, SERVICE_TOKEN_HEADER, serviceCallerKeys, serviceCredential } from '@msd/service-kit';
import { createTestDatabase, freePort, type TestDatabase } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtEntry, startLoggedProcess, waitUntilOk } from './support/loggedProcess.ts';

// The production build as the image runs it: compiled JavaScript under node, with the
// `production` export condition, and TypeScript type stripping off, so a single .ts file on the
// way fails the start instead of being quietly run from source.
const secrets = processSecrets('build-test-service-root-0123456789');
const bus = eventBus({ prefix: `test-${randomUUID()}` });
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('product');
}, 180_000);
afterAll(async () => {
  await database?.drop();
  await clearEventBus(bus);
});

describe('the production build', () => {
  it('runs a service from compiled JavaScript: ready, serving GraphQL, stopping cleanly on SIGTERM', async () => {
    const port = await freePort();
    const product = startLoggedProcess(builtEntry('subgraphs/product/dist/index.js'), {
      NODE_ENV: 'production',
      PORT: String(port),
      SERVICE_TOKEN: secrets.product,
      SERVICE_CALLERS: serviceCallerKeys(secrets).product,
      PRODUCT_EVENT_KEY: 'product-event-key-for-this-test-0123456789',
      PRODUCT_DATABASE_URL: database.url,
      EVENTS_PREFIX: bus.prefix,
    });
    try {
      await waitUntilOk(`http://127.0.0.1:${port}/ready`, product);
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SERVICE_TOKEN_HEADER]: serviceCredential('gateway', 'product', {
            NODE_ENV: 'production',
            SERVICE_TOKEN: secrets.gateway,
          }),
        },
        body: JSON.stringify({
          query:
            'mutation { createProduct(input: { sku: "BUILD-1", name: "Kettle", price: 12.5 }) { name price } }',
        }),
      });
      // The written version travels beside the data, for the gateway's consistency token.
      expect(await response.json()).toEqual({
        data: { createProduct: { name: 'Kettle', price: 12.5 } },
        extensions: { written: expect.stringMatching(/^product:[\w-]+@1$/) },
      });
      // Every line is JSON in production.
      expect(
        product.output.every((line) => line.startsWith('{')),
        product.output.join('\n'),
      ).toBe(true);
    } finally {
      product.child.kill('SIGTERM');
    }
    expect(await product.exited, product.output.join('\n')).toBe(0);
    expect(product.output.map((line) => JSON.parse(line).msg)).toContain('stopped');
  });

  it('refuses to start on bad configuration, naming every variable at fault', async () => {
    const { output, exited } = startLoggedProcess(builtEntry('subgraphs/product/dist/index.js'), {
      NODE_ENV: 'production',
      PORT: 'eighty',
      REDIS_URL: 'localhost:6379',
      PRODUCT_DATABASE_URL: database.url,
    });
    expect(await exited).toBe(1);
    const failure = JSON.parse(output.find((line) => line.includes('Invalid configuration')) ?? '{}');
    expect(failure.invalid).toEqual(expect.arrayContaining(['PORT', 'REDIS_URL', 'SERVICE_TOKEN']));
    expect(failure.msg).toContain('PORT: ');
    expect(failure.msg).toContain('(got "eighty")');
  });
});
