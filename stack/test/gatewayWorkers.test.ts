import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearEventBus, eventBus } from '@msd/events';
import { repoRoot } from '@msd/registry';
import { freePort } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFederation, type TestFederation } from '../src/index.ts';
import { builtEntry } from './support/loggedProcess.ts';

let federation: TestFederation;
let gateway: ChildProcess;
let url: string;
/** "gateway ready" lines: one per worker that listens. */
let readyWorkers = 0;
const prefix = `test-${randomUUID()}`;

/** The pids whose parent is `pid`: the gateway primary's cluster workers. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until<T>(
  what: string,
  probe: () => Promise<T> | T,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined as T);
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await sleep(100);
  }
}

/**
 * One read, given up after 5 s: a connection the primary hands to a worker at the moment it is
 * killed is lost with it (node:cluster's round-robin), and its request would wait forever.
 */
const answers = () =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ products(first: 1) { id } }' }),
    signal: AbortSignal.timeout(5_000),
  })
    .then((response) => response.json() as Promise<{ data?: { products?: unknown }; errors?: unknown }>)
    .then((body) => body.errors === undefined && Array.isArray(body.data?.products));

beforeAll(async () => {
  federation = await startTestFederation();
  const port = await freePort();
  url = `http://127.0.0.1:${port}/graphql`;
  // Compiled (the system tier builds once): each worker starts without compiling the sources again.
  gateway = spawn(process.execPath, builtEntry('gateway/dist/index.js'), {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...Object.fromEntries(
        Object.entries(federation.subgraphs).map(([name, s]) => [`${name.toUpperCase()}_URL`, s.url]),
      ),
      COORDINATOR_URL: 'http://127.0.0.1:9/graphql',
      EVENTS_PREFIX: prefix,
      GATEWAY_WORKERS: '2',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // By line: a chunk of output may end in the middle of one.
  createInterface({ input: gateway.stdout! }).on('line', (line) => {
    if (line.includes('gateway ready')) readyWorkers++;
  });
  // Both workers listening (each compiles and builds its gateway: slow on a busy machine).
  await until(
    'two workers ready',
    () => readyWorkers,
    (n) => n >= 2,
    110_000,
  );
  await until('the gateway to answer', answers, (ok) => ok === true);
}, 150_000);

afterAll(async () => {
  if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
  await federation?.stop();
  await clearEventBus(eventBus({ prefix }));
});

describe('GATEWAY_WORKERS', () => {
  it('serves from two worker processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    const primary = gateway.pid as number;
    const workers = await until(
      'two workers',
      () => childrenOf(primary),
      (pids) => pids.length === 2,
    );
    // A worker killed outright: the primary starts another, and the port keeps answering meanwhile.
    process.kill(workers[0] as number, 'SIGKILL');
    await until('an answer from the surviving worker', answers, (ok) => ok === true);
    const replaced = await until(
      'a new worker',
      () => childrenOf(primary),
      (pids) => pids.length === 2 && !pids.includes(workers[0] as number),
    );
    expect(replaced).toContain(workers[1]);
    await until(
      'the new worker ready',
      () => readyWorkers,
      (n) => n >= 3,
      110_000,
    );
    await until('an answer after the replacement', answers, (ok) => ok === true);

    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    // The workers drain for at most 10 s before the primary kills them.
    await until(
      'the primary to exit on SIGTERM',
      () => gateway.exitCode ?? gateway.signalCode,
      (code) => code !== null,
      30_000,
    );
    await exited;
    expect(replaced.filter((pid) => readdirSync('/proc').includes(String(pid)))).toEqual([]);
  }, 240_000); // three gateway starts on a loaded 2-core machine
});
