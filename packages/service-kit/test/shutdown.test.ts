import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVICE_TOKEN_HEADER, serviceCredential } from '../src/index.ts';

/** The fixture subgraph as its own process; resolves once it listens. */
async function startFixture(env: Record<string, string>) {
  const fixture = fileURLToPath(new URL('./fixtures/failingSubgraph.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { msg: string; url?: string }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    exited.then((code) => reject(new Error(`fixture exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text);
      lines.push(line);
      if (line.msg === 'inventory ready') resolve(line.url);
    });
  });
  return { child, lines, exited, base: url.replace(/\/graphql$/, '') };
}

describe('graceful shutdown', () => {
  it('answers /ready 503 draining while it still serves, and exits 1 when stopping outlasts its deadline', async () => {
    const { child, lines, exited, base } = await startFixture({
      FIXTURE_STOP_HANGS: '1',
      SHUTDOWN_DELAY_MS: '1500',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const signalledAt = Date.now();
    child.kill('SIGTERM');

    let ready: Response | undefined;
    for (let attempt = 0; attempt < 50 && ready?.status !== 503; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ready = await fetch(`${base}/ready`);
    }
    expect(ready?.status).toBe(503);
    expect(await ready?.json()).toMatchObject({ ready: false, draining: true });
    // Still serving while load balancers take it out of rotation.
    const graphql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SERVICE_TOKEN_HEADER]: serviceCredential('gateway', 'inventory', { NODE_ENV: 'test' }),
      },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await graphql.json()).toEqual({ data: { __typename: 'Query' } });

    expect(await exited).toBe(1);
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(3000);
    expect(lines.map((line) => line.msg)).toContain(
      'shutdown deadline exceeded: exiting with work unfinished',
    );
  });

  it('exits 0 once everything has stopped', async () => {
    const { child, lines, exited } = await startFixture({});
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });
});
