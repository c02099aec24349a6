import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { entryPoint, gateway, type ProcessName, processes, repoRoot, urlVariable } from '@msd/registry';
import {
  eventKeyVariable,
  type Logger,
  processSecrets,
  serviceCallerKeys,
  serviceCredential,
} from '@msd/service-kit';
import { freePort } from '@msd/testing';
import { type RoundRobin, roundRobin } from './roundRobin.ts';

export interface StackOptions {
  /** Port of the gateway; every other process keeps its registry offset from it (4000 → 4001..4007). */
  portBase?: number;
  /** The environment every process inherits: the calling entry point's own. */
  environment: NodeJS.ProcessEnv;
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
  /** How long the whole stack may take to be up (the gateway ready, every subgraph healthy). */
  readyTimeoutMs?: number;
  /** Called when a process exits after the stack started, other than by `stop` or `restart`. */
  onExit?: (name: ProcessName, exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

/**
 * How the services run unless `env` (or the inherited `environment`) says otherwise: in
 * production mode (`NODE_ENV=production`: graphql-js skips its development-only checks, such as
 * `instanceOf` across realms, and Apollo Server its introspection). Every process, the gateway
 * too, gets a service secret of its own and the keys of the callers it accepts (`SERVICE_TOKEN`,
 * `SERVICE_CALLERS`), drawn from a root secret that is random for this run unless `SERVICE_TOKEN`
 * gives one (a benchmark calling services itself). The gateway keeps the `NODE_ENV` it was given:
 * its development mode is what serves Sandbox and development tokens.
 */
function serviceDefaults(options: StackOptions) {
  const given = { ...options.environment, ...options.env };
  const secrets = processSecrets(given.SERVICE_TOKEN ?? randomBytes(32).toString('base64url'));
  const callers = serviceCallerKeys(secrets);
  return {
    common: {
      NODE_ENV: given.NODE_ENV ?? 'production',
      // Production mode would make the logs JSON; the launcher's prefixed output is for people.
      LOG_FORMAT: given.LOG_FORMAT ?? 'pretty',
    },
    credentials: (name: ProcessName) => ({ SERVICE_TOKEN: secrets[name], SERVICE_CALLERS: callers[name] }),
    gatewayCredential: (callee: ProcessName) =>
      serviceCredential('gateway', callee, { NODE_ENV: 'production', SERVICE_TOKEN: secrets.gateway }),
  };
}

/** Each producer's event signing key, drawn at random for this run unless given; every process gets them all. */
function eventSigningKeys(options: StackOptions): Record<string, string> {
  const given: Record<string, string | undefined> = { ...options.environment, ...options.env };
  return Object.fromEntries(
    processes
      .filter((entry) => entry.publishes.length > 0)
      .map((entry) => eventKeyVariable(entry.name))
      .map((variable) => [variable, given[variable] ?? randomBytes(32).toString('base64url')]),
  );
}

export interface RunningStack {
  gatewayUrl: string;
  ports: Record<ProcessName, number>;
  /** The gateway's credential for a service in this run, for a test or benchmark calling it directly. */
  serviceCredential(callee: ProcessName): string;
  /** SIGTERM to every process (each drains and exits), SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Sends a signal to every replica of a process: benchmarks and drills pause (SIGSTOP), resume (SIGCONT) or kill a service. */
  signal(name: ProcessName, signal: NodeJS.Signals): void;
  /** Sends a signal to one replica (0-based) of a process; resolves when a terminating signal has ended it. */
  signalReplica(name: ProcessName, replica: number, signal: NodeJS.Signals): Promise<void>;
  /**
   * Starts one process again (its first replica), as the stack started it (same port, environment and
   * output), after SIGKILLing it if it still runs; resolves when it answers /ready. What a supervisor
   * (Kubernetes, systemd) does after a crash; the chaos run uses it.
   */
  restart(name: ProcessName, options?: { readyTimeoutMs?: number }): Promise<void>;
  /** Each process's id, for drills run from another process (the e2e suite's test files). */
  pids(): Partial<Record<ProcessName, number>>;
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
  const replicaPorts = new Map<ProcessName, number[]>();
  const balancers: RoundRobin[] = [];
  const defaults = serviceDefaults(options);
  const eventKeys = eventSigningKeys(options);
  // Every gateway replica of this run signs and checks read-your-writes tokens with one key.
  const consistencyTokenKey =
    options.env?.CONSISTENCY_TOKEN_KEY ??
    options.environment.CONSISTENCY_TOKEN_KEY ??
    randomBytes(32).toString('base64url');
  let stopping = false;
  let started = false;
  const restarting = new Set<ChildProcess>();

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
        child.kill('SIGCONT'); // a paused process (SIGSTOP) cannot act on SIGTERM
        child.kill('SIGTERM');
        return ended(child).then(() => clearTimeout(kill));
      }),
    );
    await Promise.all(balancers.map((balancer) => balancer.close()));
  };

  let rejectStart: (error: Error) => void = () => {};
  const exited = new Promise<never>((_, reject) => {
    rejectStart = reject;
  });
  exited.catch(() => {}); // observed below while starting; afterwards the caller's output shows it
  const spawnProcess = (name: ProcessName, replica: number) => {
    const port = replicaPorts.get(name)?.[replica] ?? ports[name];
    const label = replicas === 1 ? name : `${name}#${replica + 1}`;
    const args = options.built
      ? ['--conditions=production', entryPoint(name).replace(/\/src\/index\.ts$/, '/dist/index.js')]
      : ['--import', 'tsx', entryPoint(name)];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: {
        ...options.environment,
        ...urls,
        ...options.env,
        // One ADMIN_PORT in the launcher's environment is the gateway's: subgraphs would all take it.
        ...(name === gateway.name
          ? { CONSISTENCY_TOKEN_KEY: consistencyTokenKey }
          : { ...defaults.common, ADMIN_PORT: '' }),
        ...defaults.credentials(name),
        ...eventKeys,
        ...options.envFor?.(name),
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const list = children.get(name) ?? [];
    list[replica] = child;
    children.set(name, list);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => options.output?.(label, line));
    }
    child.once('exit', (code, signal) => {
      if (stopping || restarting.delete(child)) return;
      if (started) options.onExit?.(name, { code, signal });
      else
        rejectStart(new Error(`${label} exited (${signal ?? `code ${code}`}) before the stack was stopped`));
    });
  };
  try {
    for (const { name } of processes) {
      if (replicas > 1) {
        const own = await Promise.all(Array.from({ length: replicas }, freePort));
        replicaPorts.set(name, own);
        balancers.push(await roundRobin(ports[name], own));
      }
      for (let replica = 0; replica < replicas; replica++) spawnProcess(name, replica);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  const timeoutMs = options.readyTimeoutMs ?? 120_000;
  try {
    await Promise.race([
      Promise.all([
        // The gateway's /ready is its own readiness; the stack is up once it reports every subgraph healthy.
        waitUntilReady(`http://127.0.0.1:${ports.gateway}/subgraphs`, timeoutMs),
        // With replicas, every one of them ready (the round-robin would otherwise send work to one still starting).
        ...[...replicaPorts.values()]
          .flat()
          .map((port) => waitUntilReady(`http://127.0.0.1:${port}/ready`, timeoutMs)),
      ]),
      exited,
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  started = true;
  options.logger.info('stack ready', { gateway: gatewayUrl, replicas });
  const restart = async (name: ProcessName, restartOptions: { readyTimeoutMs?: number } = {}) => {
    const child = children.get(name)?.[0];
    if (child && child.exitCode === null && child.signalCode === null) {
      restarting.add(child);
      child.kill('SIGKILL');
      await ended(child);
    }
    spawnProcess(name, 0);
    const port = replicaPorts.get(name)?.[0] ?? ports[name];
    await waitUntilReady(`http://127.0.0.1:${port}/ready`, restartOptions.readyTimeoutMs ?? 60_000);
  };
  return {
    gatewayUrl,
    ports,
    serviceCredential: defaults.gatewayCredential,
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
    restart,
    pids: () => Object.fromEntries([...children].map(([name, list]) => [name, list[0]?.pid])),
  };
}

/** Until the URL answers 200 with `healthy` (the gateway's /subgraphs) or `ready` (a /ready report) true. */
async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      const body = await response.text();
      const report = JSON.parse(body) as { healthy?: boolean; ready?: boolean };
      if (response.ok && (report.healthy ?? report.ready)) return;
      last = `HTTP ${response.status}: ${body}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The stack did not become ready within ${timeoutMs} ms (${url}: ${last})`);
}
