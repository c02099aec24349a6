import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_ID_HEADER, SERVICE_TOKEN_HEADER, serviceCredential } from '../src/index.ts';

type LogLine = Record<string, unknown> & { msg: string; level: string };

let child: ChildProcess;
let url: string;
const lines: LogLine[] = [];
const raw: string[] = [];

/** The fixture runs as production runs it: its own process, JSON lines on stdout. */
beforeAll(async () => {
  const fixture = fileURLToPath(new URL('./fixtures/failingSubgraph.ts', import.meta.url));
  child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}: ${raw.join('\n')}`)));
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (text) => {
        raw.push(text);
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        if (line.msg === 'inventory ready') resolve(line.url as string);
      });
    }
  });
  url = await ready;
});
afterAll(() => {
  child.kill('SIGKILL');
});

async function ask(headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SERVICE_TOKEN_HEADER]: serviceCredential('gateway', 'inventory', { NODE_ENV: 'test' }),
      ...headers,
    },
    body: JSON.stringify({ query: '{ inventoryReport }' }),
  });
  const body = (await response.json()) as { errors: { message: string }[] };
  return { requestId: response.headers.get(REQUEST_ID_HEADER), body };
}

async function logged(requestId: string): Promise<LogLine> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = lines.find((l) => l.request_id === requestId && l.msg === 'unexpected error');
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no log line for request ${requestId}: ${raw.join('\n')}`);
}

describe('structured logs', () => {
  it('every line is JSON, and an unexpected error is logged with its message and stack, masked for the client', async () => {
    const { body, requestId } = await ask();
    expect(body.errors[0]?.message).toBe('Internal server error');
    expect(JSON.stringify(body)).not.toContain('disk on fire');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const line = await logged(requestId!);
    expect(line.level).toBe('error');
    expect(line.name).toBe('inventory');
    const error = line.error as { type: string; message: string; stack: string };
    expect(error.message).toBe('disk on fire');
    expect(error.stack).toContain('failingSubgraph.ts');
    expect(line.path).toEqual(['inventoryReport']);
  });

  it('keeps the request id a caller sends, answers with it, and refuses to echo a malformed one', async () => {
    const kept = await ask({ [REQUEST_ID_HEADER]: 'gw-7f3a.1' });
    expect(kept.requestId).toBe('gw-7f3a.1');
    expect((await logged('gw-7f3a.1')).request_id).toBe('gw-7f3a.1');

    const replaced = await ask({ [REQUEST_ID_HEADER]: 'x'.repeat(500) });
    expect(replaced.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await logged(replaced.requestId!);
  });

  it('lines outside a request carry no request id', () => {
    const ready = lines.find((line) => line.msg === 'inventory ready');
    expect(ready).toBeDefined();
    expect(ready).not.toHaveProperty('request_id');
    expect(raw.every((text) => text.startsWith('{'))).toBe(true);
  });
});
