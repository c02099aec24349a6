import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Logger, servicePorts } from '@msd/service-kit';

type Process = keyof typeof servicePorts;

export interface StackOptions {
  /** Port of the gateway; the services and the coordinator take the next seven (4000 → 4001..4007). */
  portBase?: number;
  /** Extra environment for every process (database URLs of a test stack, a service token, ...). */
  env?: Record<string, string>;
  /** Where each process's output goes, one prefixed line at a time. */
  output?: (name: Process, line: string) => void;
  logger: Logger;
  /** How long the whole stack may take to answer /ready. */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  gatewayUrl: string;
  ports: Record<Process, number>;
  /** SIGTERM to every process (each drains and exits), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Sends a signal to one process: benchmarks and drills pause (SIGSTOP), resume (SIGCONT) or kill a service. */
  signal(name: Process, signal: NodeJS.Signals): void;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entries: Record<Process, string> = {
  product: 'subgraphs/product/src/index.ts',
  order: 'subgraphs/order/src/index.ts',
  inventory: 'subgraphs/inventory/src/index.ts',
  shipping: 'subgraphs/shipping/src/index.ts',
  driver: 'subgraphs/driver/src/index.ts',
  ride: 'subgraphs/ride/src/index.ts',
  coordinator: 'gateway/src/coordinator/index.ts',
  gateway: 'gateway/src/index.ts',
};

/**
 * Runs the six services, the coordinator and the gateway as separate processes, as they run in production: each
 * its own Node.js process with its own port and database credentials, talking over real HTTP.
 */
export async function launchStack(options: StackOptions): Promise<RunningStack> {
  const base = options.portBase ?? servicePorts.gateway;
  const ports = Object.fromEntries(
    Object.entries(servicePorts).map(([name, port]) => [name, base + port - servicePorts.gateway]),
  ) as Record<Process, number>;
  const urls = Object.fromEntries(
    Object.entries(ports).map(([name, port]) => [
      `${name.toUpperCase()}_URL`,
      `http://127.0.0.1:${port}/graphql`,
    ]),
  );
  const children = new Map<Process, ChildProcess>();
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
    for (const name of Object.keys(entries) as Process[]) {
      const child = spawn(process.execPath, ['--import', 'tsx', entries[name]], {
        cwd: root,
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
      waitUntilReady(`http://127.0.0.1:${ports.gateway}/ready`, options.readyTimeoutMs ?? 60_000),
      exited,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  options.logger.info('stack ready', { gateway: gatewayUrl });
  return { gatewayUrl, ports, stop, signal: (name, signal) => void children.get(name)?.kill(signal) };
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The stack did not become ready within ${timeoutMs} ms (${url}: ${last})`);
}
