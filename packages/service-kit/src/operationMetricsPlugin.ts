import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Counter, Histogram } from 'prom-client';
import { metrics } from './metrics.ts';

const operationDuration = new Histogram({
  name: 'graphql_operation_duration_seconds',
  help: 'GraphQL operations executed, by operation name and type (query, mutation)',
  labelNames: ['operation', 'type'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

const operationErrors = new Counter({
  name: 'graphql_operation_errors_total',
  help: 'Errors in GraphQL answers, by operation name and error code (one answer may carry several)',
  labelNames: ['operation', 'code'] as const,
  registers: [metrics],
});

/** Operation names are chosen by clients: past this many distinct ones, the rest count as "other". */
const MAX_OPERATIONS = 200;
const seen = new Set<string>();

function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!/^\w{1,64}$/.test(name)) return 'other';
  if (seen.has(name)) return name;
  if (seen.size >= MAX_OPERATIONS) return 'other';
  seen.add(name);
  return name;
}

/**
 * Latency and errors per GraphQL operation (`graphql_operation_duration_seconds`,
 * `graphql_operation_errors_total{code}`): what a dashboard needs to tell which operation got slow
 * or failing, where the HTTP histogram only knows the route.
 */
export function operationMetricsPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, operation, errors, response }) {
          const label = operationLabel(operationName);
          operationDuration.observe(
            { operation: label, type: operation?.operation ?? 'unknown' },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
          const reported =
            errors ?? (response.body.kind === 'single' ? response.body.singleResult.errors : undefined) ?? [];
          for (const error of reported) {
            const code = error.extensions?.code;
            operationErrors.inc({ operation: label, code: typeof code === 'string' ? code : 'UNKNOWN' });
          }
        },
      };
    },
  };
}
