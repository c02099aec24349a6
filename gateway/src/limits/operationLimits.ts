import type { ApolloServerPlugin } from '@apollo/server';
import { metrics } from '@msd/service-kit';
import { GraphQLError } from 'graphql';
import { Histogram } from 'prom-client';
import type { OperationAnalyzer } from '../analyzeOperation.ts';
import { actualCost } from './actualCost.ts';
import type { CostModel } from './costModel.ts';
import type { CostOptions } from './costRules.ts';

export interface OperationLimitsConfig extends CostOptions {
  maxDocumentBytes: number;
  /** Tokens of a document, counted by graphql-js's parser (`maxTokens`), which stops there. */
  maxTokens: number;
  maxDepth: number;
  /** Depth below `__schema` and `__type`: GraphiQL's and Sandbox's introspection nest 15 deep. */
  maxIntrospectionDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
}

/** What the cost of an admitted operation was estimated at; the rate limiter charges it. */
export interface LimitsContext {
  operationCost?: number;
}

export const defaultOperationLimits: OperationLimitsConfig = {
  maxDocumentBytes: 32 * 1024,
  maxTokens: 5_000,
  maxDepth: 8,
  maxIntrospectionDepth: 20,
  maxAliases: 30,
  maxRootFields: 10,
  maxCost: 25_000,
  defaultListSize: 10,
  mutationWeight: 10,
};

const costBuckets = [1, 5, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000, 50_000];
const estimatedCosts = new Histogram({
  name: 'graphql_operation_estimated_cost',
  help: 'Estimated cost (@cost/@listSize) of operations, admitted or refused',
  labelNames: ['outcome'] as const,
  buckets: costBuckets,
  registers: [metrics],
});
const actualCosts = new Histogram({
  name: 'graphql_operation_actual_cost',
  help: 'Cost of executed operations measured on their answers (lists as long as they came back)',
  buckets: costBuckets,
  registers: [metrics],
});

/**
 * Operation limits, checked before anything is planned or sent to a subgraph (the document's size
 * is checked before parsing, by `documentLimits`, and its tokens while parsing): its depth,
 * aliases, root fields and estimated cost, from the document's analysis (made once per document).
 * An operation over a limit is refused with HTTP 400 and `OPERATION_LIMIT_EXCEEDED`, naming the
 * limit (`extensions.limit`), its maximum and the operation's figure; for cost, the estimate too.
 */
export function operationLimits(
  config: OperationLimitsConfig,
  model: CostModel,
  analyze: OperationAnalyzer,
): ApolloServerPlugin<LimitsContext> {
  const hooks = {
    async didResolveOperation({ schema, document, operation, request, contextValue }) {
      if (!operation) return;
      const analysis = analyze(schema, document, operation);
      const cost = analysis.cost(request.variables ?? {});
      const over =
        analysis.depth > config.maxDepth
          ? limitExceeded('depth', config.maxDepth, analysis.depth)
          : analysis.introspectionDepth > config.maxIntrospectionDepth
            ? limitExceeded('introspectionDepth', config.maxIntrospectionDepth, analysis.introspectionDepth)
            : analysis.aliases > config.maxAliases
              ? limitExceeded('aliases', config.maxAliases, analysis.aliases)
              : analysis.rootFields > config.maxRootFields
                ? limitExceeded('rootFields', config.maxRootFields, analysis.rootFields)
                : cost > config.maxCost
                  ? limitExceeded('cost', config.maxCost, cost, {
                      cost: { estimated: cost, max: config.maxCost },
                    })
                  : undefined;
      estimatedCosts.observe({ outcome: over ? 'refused' : 'admitted' }, cost);
      if (over) throw over;
      contextValue.operationCost = cost;
    },
    async willSendResponse({ schema, document, operation, response }) {
      if (!operation || !document || response.body.kind !== 'single') return;
      const data = response.body.singleResult.data;
      if (data) actualCosts.observe(actualCost(schema, document, operation, data, model, config));
    },
  } satisfies Awaited<ReturnType<NonNullable<ApolloServerPlugin<LimitsContext>['requestDidStart']>>>;
  return { requestDidStart: async () => hooks };
}

/**
 * The size of each document of a request body (each operation of a batch, a GET's `query`
 * parameter alike), checked before it is parsed. Returns the refusal, or undefined.
 */
export function documentLimits(config: Pick<OperationLimitsConfig, 'maxDocumentBytes'>) {
  return (body: unknown, search = '') => {
    const queries = [
      ...(Array.isArray(body) ? body : [body]).map((entry) => (entry as { query?: unknown } | null)?.query),
      new URLSearchParams(search).get('query'),
    ].filter((query): query is string => typeof query === 'string');
    for (const source of queries) {
      const bytes = Buffer.byteLength(source);
      if (bytes > config.maxDocumentBytes)
        return refusal(limitExceeded('documentSize', config.maxDocumentBytes, bytes));
    }
    return undefined;
  };
}

function refusal(error: GraphQLError) {
  const { http: _http, ...extensions } = error.extensions;
  return { status: 400, message: error.message, extensions };
}

function limitExceeded(
  limit: string,
  max: number,
  actual: number,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(`The operation exceeds the ${limit} limit of ${max}: it has ${actual}`, {
    extensions: {
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit,
      max,
      actual,
      ...extensions,
      http: { status: 400 },
    },
  });
}
