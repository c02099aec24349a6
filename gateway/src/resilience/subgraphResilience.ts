import { metrics } from '@msd/service-kit';
import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  handleWhen,
  isBrokenCircuitError,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { Counter, Gauge } from 'prom-client';

export interface ResilienceConfig {
  /** Budget for one subgraph call, retries included: the client never waits longer on this subgraph. */
  timeoutMs: number;
  /** Extra attempts for queries (never for mutations), with jittered exponential backoff. */
  retries: number;
  /** Consecutive failures that open the circuit. */
  breakerFailures: number;
  /** How long an open circuit fails fast before letting one probe through (half-open). */
  halfOpenAfterMs: number;
}

const defaults: ResilienceConfig = {
  timeoutMs: 1_000,
  retries: 1,
  breakerFailures: 5,
  halfOpenAfterMs: 5_000,
};

/**
 * Subgraphs whose calls are long on purpose. The coordinator's STRONG rename carries its own
 * deadlines (participant timeouts, commit retries); the gateway waits for its verdict (which
 * participant failed) rather than cutting it short.
 */
const subgraphDefaults: Record<string, Partial<ResilienceConfig>> = {
  coordinator: { timeoutMs: 15_000 },
};

/** How the gateway calls one subgraph: its resilience policy, and whether identical queries in flight are sent once. */
export interface SubgraphCallConfig extends ResilienceConfig {
  collapse: boolean;
}

/**
 * Per-subgraph settings from `env` (the entry point's environment), e.g. `SUBGRAPH_DRIVER_TIMEOUT_MS=500`,
 * else `SUBGRAPH_TIMEOUT_MS`, else defaults; `SUBGRAPH_COLLAPSE` / `SUBGRAPH_<NAME>_COLLAPSE` is `on`
 * (default) or `off`. A bad value throws, naming the variable.
 */
export function resilienceConfig(
  subgraph: string,
  env: Record<string, string | undefined>,
): SubgraphCallConfig {
  const variable = (setting: string) => {
    const specific = `SUBGRAPH_${subgraph.toUpperCase()}_${setting}`;
    const name = env[specific] === undefined ? `SUBGRAPH_${setting}` : specific;
    return { name, value: env[name] };
  };
  const read = (setting: string, fallback: number) => {
    const { name, value } = variable(setting);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0)
      throw new Error(`${name} must be a whole number of 0 or more, got "${value}"`);
    return parsed;
  };
  const { name, value: collapse = 'on' } = variable('COLLAPSE');
  if (collapse !== 'on' && collapse !== 'off')
    throw new Error(`${name} must be "on" or "off", got "${collapse}"`);
  const base = { ...defaults, ...subgraphDefaults[subgraph] };
  return {
    timeoutMs: read('TIMEOUT_MS', base.timeoutMs),
    retries: read('RETRIES', base.retries),
    breakerFailures: read('BREAKER_FAILURES', base.breakerFailures),
    halfOpenAfterMs: read('HALF_OPEN_AFTER_MS', base.halfOpenAfterMs),
    collapse: collapse === 'on',
  };
}

export const circuitStateGauge = new Gauge({
  name: 'subgraph_circuit_state',
  help: 'Circuit breaker per subgraph: 0 closed, 1 open, 2 half-open, 3 isolated',
  labelNames: ['subgraph'] as const,
  registers: [metrics],
});

const subgraphCalls = new Counter({
  name: 'subgraph_calls_total',
  help: 'Calls from the gateway to a subgraph, by outcome: ok, failed, timeout, or rejected (circuit open)',
  labelNames: ['subgraph', 'outcome'] as const,
  registers: [metrics],
});

const subgraphRetries = new Counter({
  name: 'subgraph_retries_total',
  help: 'Query calls to a subgraph retried after a failure',
  labelNames: ['subgraph'] as const,
  registers: [metrics],
});

const stateNames: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * The gateway's protection around one subgraph (@apollo/gateway has none of its own): a total time
 * budget per call, a retry with jittered backoff for queries only (a mutation is never sent twice),
 * and a circuit breaker that opens after consecutive failures, fails fast while open, and half-opens
 * to probe. A 5xx answer counts as a failure; the breaker is shared by every request to the subgraph.
 */
export function subgraphResilience(subgraph: string, config: ResilienceConfig) {
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: config.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(config.breakerFailures),
  });
  circuitStateGauge.set({ subgraph }, CircuitState.Closed);
  breaker.onStateChange((state) => circuitStateGauge.set({ subgraph }, state));
  const budget = timeout(config.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  // An open circuit is not worth retrying: it answers the same until it half-opens.
  const retrying = retry(
    handleWhen((error) => !isBrokenCircuitError(error)),
    {
      maxAttempts: config.retries,
      backoff: new ExponentialBackoff({ initialDelay: 25, maxDelay: 250 }),
    },
  );
  retrying.onRetry(() => subgraphRetries.inc({ subgraph }));
  const forQueries = wrap(budget, retrying, breaker);
  const forMutations = wrap(budget, breaker);
  const ok = subgraphCalls.labels({ subgraph, outcome: 'ok' });

  /**
   * Makes one call (`attempt`, aborted by `signal` when the budget runs out) under the policy;
   * `mutation` says whether it may be retried, as the caller knows from the operation it sends.
   * Resolves with any answer below 500; rejects on a 5xx, a timeout, a connection error or an open
   * circuit.
   */
  const call = async <TAnswer extends { status: number }>(
    mutation: boolean,
    attempt: (signal: AbortSignal) => Promise<TAnswer>,
  ): Promise<TAnswer> => {
    try {
      const answer = await (mutation ? forMutations : forQueries).execute(async ({ signal }) => {
        // The body is read inside the attempt: a subgraph that stalls mid-answer is a timeout.
        const answer = await attempt(signal);
        if (answer.status >= 500) throw new Error(`${subgraph} answered HTTP ${answer.status}`);
        return answer;
      });
      ok.inc();
      return answer;
    } catch (error) {
      // instanceof, not cockatiel 4's isTaskCancelledError, which tests for the bulkhead's marker.
      const timedOut = error instanceof TaskCancelledError;
      const outcome = timedOut ? 'timeout' : isBrokenCircuitError(error) ? 'rejected' : 'failed';
      subgraphCalls.inc({ subgraph, outcome });
      throw error;
    }
  };

  return {
    call,
    config,
    state: () => stateNames[breaker.state],
  };
}

export type SubgraphResilience = ReturnType<typeof subgraphResilience>;
