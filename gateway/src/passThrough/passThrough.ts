import type {
  Experimental_DidResolveQueryPlanCallback,
  GraphQLDataSource,
  GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayGraphQLResponse,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { metrics } from '@msd/service-kit';
import { traceRecorded } from '@msd/telemetry';
import { type DocumentNode, getVariableValues, type OperationDefinitionNode } from 'graphql';
import { Counter } from 'prom-client';
import type { IncrementalContext } from '../incremental/incrementalDelivery.ts';
import { type AnswerCheck, compileAnswerCheck } from './answerCheck.ts';

type QueryPlanNode = Parameters<Experimental_DidResolveQueryPlanCallback>[0]['queryPlan']['node'];
type FetchNode = Extract<NonNullable<QueryPlanNode>, { kind: 'Fetch' }>;

/** An operation whose plan is one fetch, with what forwarding its answer needs. */
interface Forwardable {
  fetch: FetchNode;
  source: GraphQLDataSource;
  operation: OperationDefinitionNode;
  check: AnswerCheck;
}

/** A fetch the pass-through made, for the same request's fallback to @apollo/gateway's executor. */
interface Made {
  subgraph: string;
  query: string;
  response: GatewayGraphQLResponse;
}

/** `GraphQLDataSourceRequestKind.INCOMING_OPERATION`: the enum is not exported from the package's entry. */
const incomingOperation = 'incoming operation' as Extract<
  GraphQLDataSourceProcessOptions,
  { incomingRequestContext: unknown }
>['kind'];

const passThroughs = new Counter({
  name: 'gateway_pass_through_total',
  help: "Queries planned as one fetch whose answer was checked: forwarded (the subgraph's data was the answer as is) or shaped (it went through @apollo/gateway's result shaping)",
  labelNames: ['outcome'] as const,
  registers: [metrics],
});

export interface PassThrough {
  /** The gateway whose executor forwards what it can. */
  wrap(gateway: GatewayInterface): GatewayInterface;
  /** @apollo/gateway's `experimental_didResolveQueryPlan`: learns which operations are one fetch. */
  planned: Experimental_DidResolveQueryPlanCallback;
  /** The answer to a fetch the pass-through already made in this request (once), else undefined. */
  made(subgraph: string, request: GraphQLDataSourceProcessOptions): GatewayGraphQLResponse | undefined;
}

/**
 * The pass-through for queries whose query plan is a single fetch: the subgraph's answer is the
 * client's answer, so its data is forwarded instead of being merged into an empty result and
 * shaped again by @apollo/gateway (`computeResponse`: a copy of every object and value, the
 * largest share of the gateway's CPU on such a read).
 *
 * - Which operations: @apollo/gateway plans every operation; its plan (reported before it runs,
 *   `planned`) says whether it is one fetch without `requires` or rewrites, and the operation
 *   must be one whose shaping can only copy (`compileAnswerCheck`). Known per parsed document and
 *   operation name, as the plan is; the first request of each runs as ever.
 * - Each answer is checked: forwarded only when it has no error and shaping would return it as it
 *   is (same keys in the same order, valid leaves, no null where the API schema says non-null).
 *   Otherwise @apollo/gateway's executor runs the request as ever and the data source answers
 *   the fetch from this answer (`made`): the subgraph is called once, and errors, nulls and their
 *   paths are @apollo/gateway's, then masked as every answer is.
 * - Not forwarded, so exactly as before: @defer parts (they share fetches), requests whose trace is
 *   recorded (OpenTelemetry, so @apollo/gateway's spans are there; Apollo's inline traces), a query
 *   plan asked for (`Apollo-Query-Plan-Experimental`), variables that do not coerce (the executor
 *   reports them).
 * Access rules, limits, rate limits, the entity cache and consistency tokens sit around this, or in
 * the data source it calls, unchanged.
 */
export function passThrough(): PassThrough {
  const known = new WeakMap<DocumentNode, Map<string, Forwardable | null>>();
  const madeIn = new WeakMap<object, Made>();
  const forwarded = passThroughs.labels({ outcome: 'forwarded' });
  const shaped = passThroughs.labels({ outcome: 'shaped' });

  const planned: Experimental_DidResolveQueryPlanCallback = ({ queryPlan, serviceMap, requestContext }) => {
    const { document, request, schema } = requestContext;
    let byName = known.get(document);
    if (!byName) {
      byName = new Map();
      known.set(document, byName);
    }
    const name = request.operationName ?? '';
    if (byName.has(name)) return;
    const fetch = queryPlan.node;
    const source = fetch?.kind === 'Fetch' ? serviceMap[fetch.serviceName] : undefined;
    const compiled =
      fetch?.kind === 'Fetch' &&
      source &&
      fetch.operationKind === 'query' &&
      !fetch.requires &&
      !fetch.inputRewrites?.length &&
      !fetch.outputRewrites?.length &&
      !fetch.contextRewrites?.length
        ? compileAnswerCheck(schema, document, request.operationName)
        : undefined;
    byName.set(name, compiled && source && fetch?.kind === 'Fetch' ? { fetch, source, ...compiled } : null);
  };

  const forwardable = (requestContext: GatewayGraphQLRequestContext): Forwardable | undefined => {
    const found = known.get(requestContext.document)?.get(requestContext.request.operationName ?? '');
    if (!found) return undefined;
    if ((requestContext.context as IncrementalContext).incremental) return undefined;
    if (requestContext.metrics.captureTraces || traceRecorded()) return undefined;
    if (requestContext.request.http?.headers.get('apollo-query-plan-experimental')) return undefined;
    const definitions = found.operation.variableDefinitions;
    if (definitions?.length) {
      const coerced = getVariableValues(
        requestContext.schema,
        definitions,
        requestContext.request.variables ?? {},
      );
      if (coerced.errors) return undefined;
    }
    return found;
  };

  const wrap = (gateway: GatewayInterface): GatewayInterface => ({
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      const execute = loaded.executor;
      if (!execute) throw new Error('The gateway has no executor');
      return {
        ...loaded,
        executor: async (requestContext): Promise<GatewayExecutionResult> => {
          const found = forwardable(requestContext);
          if (!found) return execute(requestContext);
          const { fetch, source, check } = found;
          // The fetch's variables as @apollo/gateway passes them: those it uses, as the client sent them.
          const variables: Record<string, unknown> = Object.create(null);
          const given = requestContext.request.variables;
          for (const name of fetch.variableUsages ?? [])
            if (given && Object.hasOwn(given, name) && given[name] !== undefined)
              variables[name] = given[name];
          const response = await source.process({
            kind: incomingOperation,
            request: { query: fetch.operation, variables, operationName: fetch.operationName },
            incomingRequestContext: requestContext,
            context: requestContext.context,
            ...(fetch.operationDocumentNode ? { document: fetch.operationDocumentNode } : {}),
            pathInIncomingRequest: [],
          });
          if (!response.errors && check(response.data)) {
            forwarded.inc();
            return { data: response.data as Record<string, unknown> };
          }
          shaped.inc();
          const context = requestContext.context as object;
          madeIn.set(context, { subgraph: fetch.serviceName, query: fetch.operation, response });
          try {
            return await execute(requestContext);
          } finally {
            madeIn.delete(context);
          }
        },
      };
    },
  });

  return {
    wrap,
    planned,
    made(subgraph, request) {
      const context = request.context as object | undefined;
      const made = context ? madeIn.get(context) : undefined;
      if (!made || made.subgraph !== subgraph || made.query !== request.request.query) return undefined;
      madeIn.delete(context as object);
      return made.response;
    },
  };
}
