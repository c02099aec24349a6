import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { entryPoint, gateway, type ProcessName, processes, repoRoot, urlVariable } from '@msd/registry';
import type { Logger } from '@msd/service-kit';

export interface StackOptions {
  /** Port of the gateway; every other process keeps its registry offset from it (4000 → 4001..4007). */
  portBase?: number;
  /** Extra environment for every process (database URLs of a test stack, a service token, ...). */
  env?: Record<string, string>;
  /** Where each process's output goes, one prefixed line at a time. */
  output?: (name: ProcessName, line: string) => void;
  logger: Logger;
  /** How long the whole stack may take to be up (the gateway ready, every subgraph healthy). */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  gatewayUrl: string;
  ports: Record<ProcessName, number>;
  /** SIGTERM to every process (each drains and exits), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Sends a signal to one process: benchmarks and drills pause (SIGSTOP), resume (SIGCONT) or kill a service. */
  signal(name: ProcessName, signal: NodeJS.Signals): void;
  /** Each process's id, for drills run from another process (the e2e suite's test files). */
  pids(): Partial<Record<ProcessName, number>>;
}

/**
 * Runs every process in the registry (the services, the coordinator, the gateway) as they run in
 * production: each its own Node.js process with its own port and database credentials, over real HTTP.
 */
export async function launchStack(options: StackOptions): Promise<RunningStack> {
  const base = options.portBase ?? gateway.port;
  const ports = Object.fromEntries(
    processes.map(({ name, port }) => [name, base + port - gateway.port]),
  ) as Record<ProcessName, number>;
  const urls = Object.fromEntries(
    processes.map(({ name }) => [urlVariable(name), `http://127.0.0.1:${ports[name]}/graphql`]),
  );
  const children = new Map<ProcessName, ChildProcess>();
  let stopping = false;

  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  };

  const exited = new Promise<never>((_, reject) => {
    for (const name of processes.map((entry) => entry.name)) {
      const child = spawn(process.execPath, ['--import', 'tsx', entryPoint(name)], {
        cwd: repoRoot,
        env: {
          ...process.env,
          ...urls,
          ...options.env,
          PORT: String(ports[name]),
          HOST: '127.0.0.1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.set(name, child);
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => options.output?.(name, line));
      }
      child.once('exit', (code, signal) => {
        if (!stopping)
          reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before the stack was stopped`));
      });
    }
  });
  exited.catch(() => {}); // observed below while starting; afterwards the caller's output shows it

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  try {
    await Promise.race([
      // The gateway's /ready is its own readiness; the stack is up once it reports every subgraph healthy.
      waitUntilReady(`http://127.0.0.1:${ports.gateway}/subgraphs`, options.readyTimeoutMs ?? 60_000),
      exited,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  options.logger.info('stack ready', { gateway: gatewayUrl });
  return {
    gatewayUrl,
    ports,
    stop,
    signal: (name, signal) => void children.get(name)?.kill(signal),
    pids: () => Object.fromEntries([...children].map(([name, child]) => [name, child.pid])),
  };
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      const body = await response.text();
      if (response.ok && (JSON.parse(body) as { healthy?: boolean }).healthy) return;
      last = `HTTP ${response.status}: ${body}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The stack did not become ready within ${timeoutMs} ms (${url}: ${last})`);
}
