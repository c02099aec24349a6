import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
  /** Called when a process exits after the stack started, other than by `stop` or `restart`. */
  onExit?: (name: ProcessName, exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

/**
 * How the services run unless `env` (or the launcher's own environment) says otherwise: in
 * production mode (`NODE_ENV=production`: graphql-js skips its development-only checks, such as
 * `instanceOf` across realms, and Apollo Server its introspection), with a service credential drawn
 * at random for this run, never the development default. The gateway keeps the environment it was
 * given: its development mode is what serves Sandbox and development tokens.
 */
function serviceDefaults(options: StackOptions): { NODE_ENV: string; SERVICE_TOKEN: string } {
  const given = { ...process.env, ...options.env };
  return {
    NODE_ENV: given.NODE_ENV ?? 'production',
    SERVICE_TOKEN: given.SERVICE_TOKEN ?? randomBytes(32).toString('base64url'),
  };
}

export interface RunningStack {
  gatewayUrl: string;
  ports: Record<ProcessName, number>;
  /** The service credential of this run (random unless `SERVICE_TOKEN` was given). */
  serviceToken: string;
  /** SIGTERM to every process (each drains and exits), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Sends a signal to one process: benchmarks and drills pause (SIGSTOP), resume (SIGCONT) or kill a service. */
  signal(name: ProcessName, signal: NodeJS.Signals): void;
  /**
   * Starts one process again, as the stack started it (same port, environment and output), after
   * SIGKILLing it if it still runs; resolves when it answers /ready. What a supervisor (Kubernetes,
   * systemd) does after a crash; the chaos run uses it.
   */
  restart(name: ProcessName, options?: { readyTimeoutMs?: number }): Promise<void>;
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
  const defaults = serviceDefaults(options);
  let stopping = false;
  let started = false;
  const restarting = new Set<ChildProcess>();

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
            child.kill('SIGCONT'); // a paused process (SIGSTOP) cannot act on SIGTERM
            child.kill('SIGTERM');
          }),
      ),
    );
  };

  let rejectStart: (error: Error) => void = () => {};
  const exited = new Promise<never>((_, reject) => {
    rejectStart = reject;
  });
  const spawnProcess = (name: ProcessName) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entryPoint(name)], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...urls,
        ...options.env,
        ...(name === gateway.name ? { SERVICE_TOKEN: defaults.SERVICE_TOKEN } : defaults),
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
      if (stopping || restarting.delete(child)) return;
      if (started) options.onExit?.(name, { code, signal });
      else
        rejectStart(new Error(`${name} exited (${signal ?? `code ${code}`}) before the stack was stopped`));
    });
  };
  for (const { name } of processes) spawnProcess(name);
  exited.catch(() => {}); // observed below while starting; afterwards the caller's output shows it

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  try {
    await Promise.race([
      // The gateway's /ready is its own readiness; the stack is up once it reports every subgraph healthy.
      waitUntilReady(`http://127.0.0.1:${ports.gateway}/subgraphs`, options.readyTimeoutMs ?? 120_000),
      exited,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  started = true;
  options.logger.info('stack ready', { gateway: gatewayUrl });
  const restart = async (name: ProcessName, restartOptions: { readyTimeoutMs?: number } = {}) => {
    const child = children.get(name);
    if (child && child.exitCode === null && child.signalCode === null) {
      restarting.add(child);
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    spawnProcess(name);
    await waitUntilReady(`http://127.0.0.1:${ports[name]}/ready`, restartOptions.readyTimeoutMs ?? 60_000);
  };
  return {
    gatewayUrl,
    ports,
    serviceToken: defaults.SERVICE_TOKEN,
    stop,
    signal: (name, signal) => void children.get(name)?.kill(signal),
    restart,
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
