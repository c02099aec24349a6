import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { entryPoint, gateway, type ProcessName, processes, repoRoot, urlVariable } from '@msd/registry';
import type { Logger } from '@msd/service-kit';
import { freePort } from '@msd/testing';
import { type RoundRobin, roundRobin } from './roundRobin.ts';

export interface StackOptions {
  /** Port of the gateway; every other process keeps its registry offset from it (4000 → 4001..4007). */
  portBase?: number;
  /** Extra environment for every process (database URLs of a test stack, a service token, ...). */
  env?: Record<string, string>;
  /** Extra environment for one process (e.g. a tracing protocol of its own). */
  envFor?: (name: ProcessName) => Record<string, string>;
  /**
   * Processes per service and gateway (default 1). With more, each replica listens on a port of its
   * own and a round-robin takes the service's port in front of them, as a Kubernetes Service would.
   */
  replicas?: number;
  /** Run the compiled JavaScript (`npm run build` first) with node, as production does, instead of the sources with tsx. */
  built?: boolean;
  /** Where each process's output goes, one prefixed line at a time (`order#2` for a second replica). */
  output?: (name: string, line: string) => void;
  logger: Logger;
  /** How long the whole stack may take to answer /ready. */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  gatewayUrl: string;
  ports: Record<ProcessName, number>;
  /** SIGTERM to every process (each drains and exits), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Sends a signal to every replica of a process: benchmarks and drills pause (SIGSTOP), resume (SIGCONT) or kill a service. */
  signal(name: ProcessName, signal: NodeJS.Signals): void;
  /** Sends a signal to one replica (0-based) of a process; resolves when a terminating signal has ended it. */
  signalReplica(name: ProcessName, replica: number, signal: NodeJS.Signals): Promise<void>;
}

/**
 * Runs every process in the registry (the services, the coordinator, the gateway) as they run in
 * production: each its own Node.js process with its own port and database credentials, over real
 * HTTP; optionally several replicas of each behind a round-robin.
 */
export async function launchStack(options: StackOptions): Promise<RunningStack> {
  const base = options.portBase ?? gateway.port;
  const replicas = options.replicas ?? 1;
  const ports = Object.fromEntries(
    processes.map(({ name, port }) => [name, base + port - gateway.port]),
  ) as Record<ProcessName, number>;
  const urls = Object.fromEntries(
    processes.map(({ name }) => [urlVariable(name), `http://127.0.0.1:${ports[name]}/graphql`]),
  );
  const children = new Map<ProcessName, ChildProcess[]>();
  const listening: number[] = [];
  const balancers: RoundRobin[] = [];
  let stopping = false;

  const ended = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...children.values()].flat().map((child) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.kill('SIGTERM');
        return ended(child).then(() => clearTimeout(kill));
      }),
    );
    await Promise.all(balancers.map((balancer) => balancer.close()));
  };

  let reject: (error: Error) => void = () => {};
  const exited = new Promise<never>((_, fail) => {
    reject = fail;
  });
  exited.catch(() => {}); // observed below while starting; afterwards the caller's output shows it
  try {
    for (const { name } of processes) {
      const replicaPorts =
        replicas === 1 ? [ports[name]] : await Promise.all(Array.from({ length: replicas }, freePort));
      if (replicas > 1) balancers.push(await roundRobin(ports[name], replicaPorts));
      listening.push(...replicaPorts);
      const started = replicaPorts.map((port, replica) => {
        const label = replicas === 1 ? name : `${name}#${replica + 1}`;
        const args = options.built
          ? ['--conditions=production', entryPoint(name).replace(/\/src\/index\.ts$/, '/dist/index.js')]
          : ['--import', 'tsx', entryPoint(name)];
        const child = spawn(process.execPath, args, {
          cwd: repoRoot,
          env: {
            ...process.env,
            ...urls,
            ...options.env,
            ...options.envFor?.(name),
            PORT: String(port),
            HOST: '127.0.0.1',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        for (const stream of [child.stdout, child.stderr]) {
          createInterface({ input: stream }).on('line', (line) => options.output?.(label, line));
        }
        child.once('exit', (code, signal) => {
          if (!stopping)
            reject(new Error(`${label} exited (${signal ?? `code ${code}`}) before the stack was stopped`));
        });
        return child;
      });
      children.set(name, started);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  try {
    // Every replica ready (the gateway's /ready also checks each subgraph through its round-robin).
    await Promise.race([
      Promise.all(
        listening.map((port) =>
          waitUntilReady(`http://127.0.0.1:${port}/ready`, options.readyTimeoutMs ?? 60_000),
        ),
      ),
      exited,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  // Deliberate kills after start are the caller's business (drills), not a failed start.
  reject = () => {};
  options.logger.info('stack ready', { gateway: gatewayUrl, replicas });
  return {
    gatewayUrl,
    ports,
    stop,
    signal: (name, signal) => {
      for (const child of children.get(name) ?? []) child.kill(signal);
    },
    async signalReplica(name, replica, signal) {
      const child = children.get(name)?.[replica];
      if (!child) throw new Error(`${name} has no replica ${replica}`);
      child.kill(signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await ended(child);
    },
  };
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
