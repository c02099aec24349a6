import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { clearEventBus, eventBus } from '@msd/events';
import { repoRoot } from '@msd/registry';
import { SERVICE_TOKEN_HEADER } from '@msd/service-kit';
import { createTestDatabase, freePort, type TestDatabase } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProduction } from './support/buildProduction.ts';

// The production build as the image runs it: compiled JavaScript under node, with the
// `production` export condition, and TypeScript type stripping off, so a single .ts file on the
// way fails the start instead of being quietly run from source.
const nodeArgs = ['--conditions=production', '--no-experimental-strip-types'];
const token = 'build-test-service-token-0123456789';
const bus = eventBus({ prefix: `test-${randomUUID()}` });
let database: TestDatabase;

beforeAll(async () => {
  buildProduction();
  database = await createTestDatabase('product');
}, 180_000);
afterAll(async () => {
  await database?.drop();
  await clearEventBus(bus);
});

function startBuilt(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, entry)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function waitForReady(url: string, child: ChildProcess, output: string[]) {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`exited early:\n${output.join('\n')}`);
    const ready = await fetch(url).catch(() => undefined);
    if (ready?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never ready:\n${output.join('\n')}`);
}

describe('the production build', () => {
  it('runs a service from compiled JavaScript: ready, serving GraphQL, stopping cleanly on SIGTERM', async () => {
    const port = await freePort();
    const { child, output, exited } = startBuilt('subgraphs/product/dist/index.js', {
      NODE_ENV: 'production',
      PORT: String(port),
      SERVICE_TOKEN: token,
      PRODUCT_DATABASE_URL: database.url,
      EVENTS_PREFIX: bus.prefix,
    });
    try {
      await waitForReady(`http://127.0.0.1:${port}/ready`, child, output);
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token },
        body: JSON.stringify({
          query:
            'mutation { createProduct(input: { sku: "BUILD-1", name: "Kettle", price: 12.5 }) { name price } }',
        }),
      });
      expect(await response.json()).toEqual({ data: { createProduct: { name: 'Kettle', price: 12.5 } } });
      // Every line is JSON in production.
      expect(
        output.every((line) => line.startsWith('{')),
        output.join('\n'),
      ).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output.join('\n')).toBe(0);
    expect(output.map((line) => JSON.parse(line).msg)).toContain('stopped');
  });

  it('refuses to start on bad configuration, naming every variable at fault', async () => {
    const { output, exited } = startBuilt('subgraphs/product/dist/index.js', {
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
