/**
 * Load against one HTTP endpoint, two ways. Closed loop (`closedLoop`): autocannon's connections,
 * each sending its next request when its previous one was answered, for a time or a number of
 * requests. Open loop (`OpenLoop`): request i is due at start + i / rate whatever happened to the
 * earlier ones, the schedule a fixed rate of arrivals needs. Every answer is checked; latency is the
 * client's, from sending the request to its last byte.
 */
import http from 'node:http';
import { setTimeout as sleep, setImmediate as yieldToIo } from 'node:timers/promises';
import { developmentToken } from '@msd/service-kit';
import autocannon from 'autocannon';
import { round, type Summary, summarize } from './stats.ts';

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

const newStats = (): LoadStats => ({
  requests: 0,
  ok: 0,
  non200: 0,
  problems: {},
  latencies: [],
  elapsedMs: 0,
});

function answered(stats: LoadStats, status: number, latencyMs: number, problem: string | undefined): void {
  stats.requests++;
  stats.latencies.push(latencyMs);
  if (status !== 200) stats.non200++;
  if (problem === undefined) stats.ok++;
  else stats.problems[problem] = (stats.problems[problem] ?? 0) + 1;
}

function failed(stats: LoadStats, problem: string): void {
  stats.requests++;
  stats.problems[problem] = (stats.problems[problem] ?? 0) + 1;
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
export interface LoadFigures {
  requests: number;
  ok: number;
  failed: number;
  non200: number;
  problems: Record<string, number>;
  seconds: number;
  requestsPerSecond: number;
  okPerSecond: number;
  latencyMs: Summary;
}

export function loadFigures(stats: LoadStats): LoadFigures {
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

// ---------------------------------------------------------------------------------------------
// Closed loop: autocannon

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
  const stats = newStats();
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
            answered(stats, status, latencyMs, problem);
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
      failed(stats, error.message === 'request timed out' ? 'timeout' : (error.code ?? error.message)),
    );
  });
  stats.elapsedMs = (stats.latencies.length > 0 ? lastAnswer : performance.now()) - start;
  options.signal.throwIfAborted();
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Open loop: one schedule, kept here

export interface Answer {
  status: number;
  body: string;
}

export interface Poster {
  /** POSTs `body` (with `headers` besides the poster's own); rejects on a timeout or a connection error. */
  post(body: string, headers?: Record<string, string>): Promise<Answer>;
  /** Closes its connections. */
  close(): void;
}

/**
 * JSON POSTs to one URL over keep-alive connections with Node's http client, which spends about half
 * of fetch's CPU per request: the load generator shares the machine with the stack it measures.
 */
export function poster(
  url: string,
  options: { headers?: Record<string, string>; timeoutMs?: number; maxSockets?: number } = {},
): Poster {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64 });
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    post: async (body, headers) => {
      const authorization = await operatorAuthorization();
      return new Promise((resolve, reject) => {
        const request = http.request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization,
              ...options.headers,
              ...headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
            );
            response.on('error', reject);
          },
        );
        request.setTimeout(timeoutMs, () =>
          request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface OpenLoopStats extends LoadStats {
  targetRate: number;
  scheduled: number;
  sent: number;
  /** Due while `maxInFlight` requests were outstanding: not sent at all (never queued). */
  missed: number;
  /** Sent more than 10 ms after they were due: the generator itself fell behind. */
  late: number;
  maxLateMs: number;
}

/** The figures of an open loop for a report: its schedule and what became of it, then `loadFigures`. */
export const openLoopFigures = (stats: OpenLoopStats) => ({
  targetRate: stats.targetRate,
  scheduled: stats.scheduled,
  sent: stats.sent,
  missed: stats.missed,
  lateOver10ms: stats.late,
  maxLateMs: stats.maxLateMs,
  ...loadFigures(stats),
});

const errorLabel = (error: unknown) =>
  error instanceof Error
    ? ((error as NodeJS.ErrnoException).code ?? error.message.slice(0, 80))
    : String(error);

/**
 * Fixed-rate arrivals with at most `maxInFlight` requests outstanding. Runs follow one another
 * without waiting for the answers of the previous one (they keep arriving into its stats), and share
 * the bound on requests in flight; `settle()` waits for them.
 */
export class OpenLoop {
  private inFlight = 0;
  private readonly outstanding = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      /** Sends the next request. */
      send: () => Promise<Answer>;
      check?: Check;
      maxInFlight: number;
      signal: AbortSignal;
    },
  ) {}

  /** `rate` requests per second for `seconds`; resolves once the last one is due. */
  async run(rate: number, seconds: number): Promise<OpenLoopStats> {
    const stats: OpenLoopStats = {
      ...newStats(),
      elapsedMs: seconds * 1000,
      targetRate: rate,
      scheduled: 0,
      sent: 0,
      missed: 0,
      late: 0,
      maxLateMs: 0,
    };
    const total = Math.round(rate * seconds);
    const start = performance.now();
    let next = 0;
    while (next < total) {
      this.options.signal.throwIfAborted();
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      for (; next < due; next++) {
        stats.scheduled++;
        if (this.inFlight >= this.options.maxInFlight) {
          stats.missed++;
          continue;
        }
        const lateMs = now - (start + (next * 1000) / rate);
        if (lateMs > 10) stats.late++;
        stats.maxLateMs = Math.max(stats.maxLateMs, round(lateMs));
        this.launch(stats);
      }
      const wait = start + (next * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      else await yieldToIo();
    }
    return stats;
  }

  /** Resolves once every request sent so far is answered or has failed. */
  async settle(): Promise<void> {
    while (this.outstanding.size > 0) await Promise.race([...this.outstanding]);
  }

  private launch(stats: OpenLoopStats): void {
    stats.sent++;
    this.inFlight++;
    const started = performance.now();
    const done = this.options
      .send()
      .then(
        ({ status, body }) =>
          answered(stats, status, performance.now() - started, problemOf(status, body, this.options.check)),
        (error: unknown) => failed(stats, errorLabel(error)),
      )
      .finally(() => {
        this.inFlight--;
        this.outstanding.delete(done);
      });
    this.outstanding.add(done);
  }
}
