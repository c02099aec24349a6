/**
 * Load against one HTTP endpoint: autocannon's closed loop (`closedLoop`: each connection sends its
 * next request when its previous one was answered, for a time or a number of requests), every
 * answer checked, latency the client's from sending the request to its last byte; and `post`, one
 * request at a time.
 */
import { developmentToken } from '@msd/service-kit';
import autocannon from 'autocannon';
import { type CpuMeter, cpuBetween, cpuMsPerRequest, cpuNetOfIdle, stackCpuMs } from './machine.ts';
import { round, summarize } from './stats.ts';

/** What is wrong with a 200 answer's body, or undefined when it is as expected. */
export type Check = (body: string) => string | undefined;

/** Requests sent and their answers. */
export interface LoadStats {
  /** Answered, or failed without an answer (timeout, connection error). */
  requests: number;
  /** HTTP 200 and the check found nothing wrong. */
  ok: number;
  non200: number;
  /** What went wrong, and how often: `HTTP <status>`, the check's finding, `timeout`, an error code. */
  problems: Record<string, number>;
  /** Of every answered request, ms. */
  latencies: number[];
  elapsedMs: number;
}

/** Counts a request: answered with `status` after `latencyMs` (undefined: no answer), and what was wrong. */
function count(stats: LoadStats, problem: string | undefined, status?: number, latencyMs?: number): void {
  stats.requests++;
  if (latencyMs !== undefined) stats.latencies.push(latencyMs);
  if (status !== undefined && status !== 200) stats.non200++;
  if (problem === undefined) stats.ok++;
  else stats.problems[problem] = (stats.problems[problem] ?? 0) + 1;
}

function problemOf(status: number, body: string, check: Check | undefined): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  try {
    return check?.(body);
  } catch {
    return 'unparseable answer';
  }
}

/** The figures of a load for a report: counts, rates and latency. */
export function loadFigures(stats: LoadStats) {
  const seconds = stats.elapsedMs / 1000;
  return {
    requests: stats.requests,
    ok: stats.ok,
    failed: stats.requests - stats.ok,
    non200: stats.non200,
    problems: stats.problems,
    seconds: round(seconds, 2),
    requestsPerSecond: round(stats.requests / seconds),
    okPerSecond: round(stats.ok / seconds),
    latencyMs: summarize(stats.latencies),
  };
}

let operatorToken: Promise<string> | undefined;
/**
 * Every request of a benchmark carries an operator's development token: the front door lets the
 * operator run each read and write the benchmarks send (orders of every customer, renames), and the
 * bench stack's gateway runs in development mode, trusting the development key. A subgraph called
 * directly ignores the header.
 */
export const operatorAuthorization = () =>
  (operatorToken ??= developmentToken('operator', 'bench-operator', { expiresIn: '24h' }).then(
    (token) => `Bearer ${token}`,
  ));

export interface ClosedLoopOptions {
  /** POSTed to. */
  url: string;
  connections: number;
  /** Run for this long, or */
  seconds?: number;
  /** send this many requests in all, spread evenly over the connections. */
  amount?: number;
  /** The body of connection `connection`'s next request; called for every request. */
  body: (connection: number) => string;
  headers?: Record<string, string>;
  check?: Check;
  timeoutMs?: number;
  signal: AbortSignal;
}

export async function closedLoop(options: ClosedLoopOptions): Promise<LoadStats> {
  const stats: LoadStats = { requests: 0, ok: 0, non200: 0, problems: {}, latencies: [], elapsedMs: 0 };
  let connections = 0;
  const target = new URL(options.url);
  const authorization = await operatorAuthorization();
  const start = performance.now();
  let lastAnswer = start;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
        timeout: (options.timeoutMs ?? 10_000) / 1000,
        // How soon autocannon notices that the run is over (its default: a second).
        sampleInt: 10,
        setupClient: (client) => {
          const connection = connections++;
          let problem: string | undefined;
          client.setRequests([
            {
              method: 'POST',
              path: `${target.pathname}${target.search}`,
              headers: { 'content-type': 'application/json', authorization, ...options.headers },
              setupRequest: (request) => ({ ...request, body: options.body(connection) }),
              // Called with the answer just before the client's 'response' event.
              onResponse: (status, body) => {
                problem = problemOf(status, body, options.check);
              },
            },
          ]);
          client.on('response', (status: number, _bytes: number, latencyMs: number) => {
            lastAnswer = performance.now();
            count(stats, problem, status, latencyMs);
          });
        },
      },
      (error) => {
        options.signal.removeEventListener('abort', stop);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve();
      },
    );
    const stop = () => instance.stop();
    options.signal.addEventListener('abort', stop, { once: true });
    instance.on('reqError', (error: NodeJS.ErrnoException) =>
      count(stats, error.message === 'request timed out' ? 'timeout' : (error.code ?? error.message)),
    );
  });
  stats.elapsedMs = (stats.latencies.length > 0 ? lastAnswer : performance.now()) - start;
  options.signal.throwIfAborted();
  return stats;
}

/** One JSON POST as the operator: its status and body; rejects on a timeout or a connection error. */
export async function post(
  url: string,
  body: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: await operatorAuthorization(),
      ...options.headers,
    },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** A load measured: its figures, and the CPU ms per request of each process group net of its `idle` use. */
export async function measuredLoad(
  cpu: CpuMeter,
  idle: Record<string, number>,
  load: () => Promise<LoadStats>,
) {
  const before = cpu.snapshot();
  const stats = await load();
  const use = cpuBetween(before, cpu.snapshot());
  const { requests, requestsPerSecond, failed, problems, latencyMs } = loadFigures(stats);
  const perRequest = cpuMsPerRequest(cpuNetOfIdle(use, idle), requestsPerSecond);
  return {
    requests,
    requestsPerSecond,
    failed,
    problems,
    p50: latencyMs.p50,
    p99: latencyMs.p99,
    stackCpuMs: stackCpuMs(perRequest),
    cpuMsPerRequest: perRequest,
    cpu: use,
  };
}
export type MeasuredLoad = Awaited<ReturnType<typeof measuredLoad>>;
