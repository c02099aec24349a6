import type { ApolloServerPlugin } from '@apollo/server';
import { metrics } from '@msd/service-kit';
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { Histogram } from 'prom-client';
import type { CostModel } from './costModel.ts';
import { actualCost, type MeasureOptions, measureOperation } from './measureOperation.ts';

export interface OperationLimitsConfig extends MeasureOptions {
  maxDocumentBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
}

/** What the cost of an admitted operation was estimated at; the rate limiter charges it. */
export interface LimitsContext {
  operationCost?: number;
}

const defaults: OperationLimitsConfig = {
  maxDocumentBytes: 32 * 1024,
  maxTokens: 5_000,
  maxDepth: 8,
  maxAliases: 30,
  maxRootFields: 10,
  maxCost: 5_000,
  defaultListSize: 10,
  mutationWeight: 10,
};

/** `LIMIT_MAX_DEPTH`, `LIMIT_MAX_ALIASES`, `LIMIT_MAX_ROOT_FIELDS`, `LIMIT_MAX_TOKENS`, `LIMIT_MAX_COST`, `LIMIT_MAX_DOCUMENT_BYTES`, `COST_DEFAULT_LIST_SIZE`, `COST_MUTATION_WEIGHT`. */
export function operationLimitsConfig(env: NodeJS.ProcessEnv = process.env): OperationLimitsConfig {
  const read = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isInteger(value) && value >= 0 ? value : fallback;
  };
  return {
    maxDocumentBytes: read('LIMIT_MAX_DOCUMENT_BYTES', defaults.maxDocumentBytes),
    maxTokens: read('LIMIT_MAX_TOKENS', defaults.maxTokens),
    maxDepth: read('LIMIT_MAX_DEPTH', defaults.maxDepth),
    maxAliases: read('LIMIT_MAX_ALIASES', defaults.maxAliases),
    maxRootFields: read('LIMIT_MAX_ROOT_FIELDS', defaults.maxRootFields),
    maxCost: read('LIMIT_MAX_COST', defaults.maxCost),
    defaultListSize: read('COST_DEFAULT_LIST_SIZE', defaults.defaultListSize),
    mutationWeight: read('COST_MUTATION_WEIGHT', defaults.mutationWeight),
  };
}

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
 * and tokens are checked before parsing, by `documentLimits`): its depth, aliases, root fields and
 * estimated cost.
 * An operation over a limit is refused with HTTP 400 and `OPERATION_LIMIT_EXCEEDED`, naming the
 * limit (`extensions.limit`), its maximum and the operation's figure; for cost, the estimate too.
 */
export function operationLimits(
  config: OperationLimitsConfig,
  model: CostModel,
): ApolloServerPlugin<LimitsContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const measures = measureOperation(
            schema,
            document,
            operation,
            request.variables ?? {},
            model,
            config,
          );
          const over =
            measures.depth > config.maxDepth
              ? limitExceeded('depth', config.maxDepth, measures.depth)
              : measures.aliases > config.maxAliases
                ? limitExceeded('aliases', config.maxAliases, measures.aliases)
                : measures.rootFields > config.maxRootFields
                  ? limitExceeded('rootFields', config.maxRootFields, measures.rootFields)
                  : measures.cost > config.maxCost
                    ? limitExceeded('cost', config.maxCost, measures.cost, {
                        cost: { estimated: measures.cost, max: config.maxCost },
                      })
                    : undefined;
          estimatedCosts.observe({ outcome: over ? 'refused' : 'admitted' }, measures.cost);
          if (over) throw over;
          contextValue.operationCost = measures.cost;
        },
        async willSendResponse({ schema, document, operation, response }) {
          if (!operation || !document || response.body.kind !== 'single') return;
          const data = response.body.singleResult.data;
          if (data) actualCosts.observe(actualCost(schema, document, operation, data, model, config));
        },
      };
    },
  };
}

/**
 * The limits checked on the request body, before the document is even parsed: its size in bytes
 * and its tokens (counted by graphql-js's lexer, stopping one past the limit), for each operation of
 * a batch and for a GET's `query` parameter alike. Returns the refusal, or undefined.
 */
export function documentLimits(config: Pick<OperationLimitsConfig, 'maxDocumentBytes' | 'maxTokens'>) {
  return (body: unknown, search = '') => {
    const queries = [
      ...(Array.isArray(body) ? body : [body]).map((entry) => (entry as { query?: unknown } | null)?.query),
      new URLSearchParams(search).get('query'),
    ].filter((query): query is string => typeof query === 'string');
    for (const source of queries) {
      const bytes = Buffer.byteLength(source);
      if (bytes > config.maxDocumentBytes)
        return refusal(limitExceeded('documentSize', config.maxDocumentBytes, bytes));
      const tokens = countTokens(source, config.maxTokens);
      if (tokens > config.maxTokens)
        return refusal(limitExceeded('tokens', config.maxTokens, tokens, { atLeast: true }));
    }
    return undefined;
  };
}

function refusal(error: GraphQLError) {
  const { http: _http, ...extensions } = error.extensions;
  return { status: 400, message: error.message, extensions };
}

/** Counts the document's tokens with graphql-js's own lexer, stopping one past the limit. */
function countTokens(source: string, max: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) if (++count > max) break;
  } catch {
    // A lexing error is the parser's to report (GRAPHQL_PARSE_FAILED); it stops counting here.
  }
  return count;
}

function limitExceeded(
  limit: string,
  max: number,
  actual: number,
  extra: Record<string, unknown> = {},
): GraphQLError {
  const { atLeast, ...extensions } = extra;
  return new GraphQLError(
    `The operation exceeds the ${limit} limit of ${max}: it has ${atLeast ? `more than ${max}` : actual}`,
    {
      extensions: {
        code: 'OPERATION_LIMIT_EXCEEDED',
        limit,
        max,
        actual,
        ...extensions,
        http: { status: 400 },
      },
    },
  );
}
