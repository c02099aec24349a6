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
import { wrapExecutor } from '../wrapExecutor.ts';
import { type AnswerCheck, type AnswerShape, compileAnswerCheck } from './answerCheck.ts';
import { executablePlan, executePlan, type MadeFetch } from './executePlan.ts';

/** An operation @apollo/gateway planned, with what running it here needs. */
interface Compiled {
  plan: Parameters<typeof executePlan>[0];
  /** The plan is one fetch without `requires`: its answer may be the answer as it is. */
  single: boolean;
  sources: Record<string, GraphQLDataSource>;
  operation: OperationDefinitionNode;
  check: AnswerCheck;
  shape: AnswerShape;
}

const passThroughs = new Counter({
  name: 'gateway_pass_through_total',
  help: "Queries run by the gateway's own plan execution: forwarded (one fetch, its data the answer as is), shaped (merged and shaped by the compiled shape) or executor (handed to @apollo/gateway's executor: an error, an answer the shape gives up on)",
  labelNames: ['outcome'] as const,
  registers: [metrics],
});

export interface PassThrough {
  /** The gateway whose executor runs what it can itself. */
  wrap(gateway: GatewayInterface): GatewayInterface;
  /** @apollo/gateway's `experimental_didResolveQueryPlan`: learns which operations are one fetch. */
  planned: Experimental_DidResolveQueryPlanCallback;
  /** The answer to a fetch the pass-through already made in this request (once each), else undefined. */
  made(subgraph: string, request: GraphQLDataSourceProcessOptions): GatewayGraphQLResponse | undefined;
}

/**
 * The gateway's own execution of the query plans @apollo/gateway makes, for the queries whose
 * shaping it can compile: @apollo/gateway's result shaping (`computeResponse`, a generic walk that
 * copies and revalidates every value) is the largest share of the gateway's CPU on a read.
 *
 * - Which operations: @apollo/gateway plans every operation; its plan (reported before it runs,
 *   `planned`) must be sequences, parallels, flattens and fetches without rewrites
 *   (`executablePlan`; a mutation's, one fetch), and the operation one whose shaping compiles
 *   (`compileAnswerCheck`). Known
 *   per parsed document and operation name, as the plan is; the first request of each runs as ever.
 * - The plan runs through the same data sources (`executePlan`); the merged data is shaped by the
 *   compiled shape, or, for a plan of one fetch whose answer already is the answer (the check),
 *   forwarded as it is.
 * - At a subgraph error, or where the shaping would report one, @apollo/gateway's executor runs the
 *   request as ever and the data sources answer the fetches already made from their answers
 *   (`made`): no subgraph is called twice, and errors, nulls and their paths are @apollo/gateway's,
 *   then masked as every answer is.
 * - Left to @apollo/gateway's executor: @defer parts (they share fetches), requests whose trace is
 *   recorded (OpenTelemetry, so @apollo/gateway's spans are there; Apollo's inline traces), a query
 *   plan asked for (`Apollo-Query-Plan-Experimental`), variables that do not coerce (it reports
 *   them).
 * Access rules, limits, rate limits, the entity cache and consistency tokens sit around this, or in
 * the data sources it calls, unchanged.
 */
export function passThrough(): PassThrough {
  const madeIn = new WeakMap<object, MadeFetch[]>();
  const forwarded = passThroughs.labels({ outcome: 'forwarded' });
  const shaped = passThroughs.labels({ outcome: 'shaped' });
  const executor = passThroughs.labels({ outcome: 'executor' });
  const known = new WeakMap<DocumentNode, Map<string, Compiled | null>>();

  const planned: Experimental_DidResolveQueryPlanCallback = ({ queryPlan, serviceMap, requestContext }) => {
    const { document, request, schema } = requestContext;
    let byName = known.get(document);
    if (!byName) {
      byName = new Map();
      known.set(document, byName);
    }
    const name = request.operationName ?? '';
    if (byName.has(name)) return;
    const plan = queryPlan.node;
    const mutation = requestContext.operation?.operation === 'mutation';
    const compiled =
      plan?.kind !== 'Subscription' && executablePlan(plan, mutation)
        ? compileAnswerCheck(schema, document, request.operationName)
        : undefined;
    byName.set(
      name,
      compiled && plan && plan.kind !== 'Subscription'
        ? { plan, single: plan.kind === 'Fetch' && !plan.requires, sources: serviceMap, ...compiled }
        : null,
    );
  };

  const compiledFor = (requestContext: GatewayGraphQLRequestContext): Compiled | undefined => {
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

  /** The answer, or undefined when @apollo/gateway's executor must answer (with `made` replayed). */
  const runCompiled = async (
    compiled: Compiled,
    requestContext: GatewayGraphQLRequestContext,
    made: MadeFetch[],
  ): Promise<Record<string, unknown> | undefined> => {
    try {
      const data = await executePlan(compiled.plan, requestContext, compiled.sources, made);
      if (compiled.single && compiled.check(data)) {
        forwarded.inc();
        return data;
      }
      const shapedData = compiled.shape(data);
      if (shapedData) shaped.inc();
      return shapedData;
    } catch {
      // PlanFallback, or anything unforeseen: @apollo/gateway's executor answers as it would have.
      return undefined;
    }
  };

  const wrap = (gateway: GatewayInterface): GatewayInterface =>
    wrapExecutor(gateway, (execute) => async (requestContext): Promise<GatewayExecutionResult> => {
      const compiled = compiledFor(requestContext);
      if (!compiled) return execute(requestContext);
      const made: MadeFetch[] = [];
      const data = await runCompiled(compiled, requestContext, made);
      if (data) return { data };
      executor.inc();
      const context = requestContext.context as object;
      madeIn.set(context, made);
      try {
        return await execute(requestContext);
      } finally {
        madeIn.delete(context);
      }
    });

  return {
    wrap,
    planned,
    made(subgraph, request) {
      const context = request.context as object | undefined;
      const list = context ? madeIn.get(context) : undefined;
      if (!list) return undefined;
      const variables = JSON.stringify(request.request.variables ?? {});
      const index = list.findIndex(
        (fetch) =>
          fetch.subgraph === subgraph &&
          fetch.query === request.request.query &&
          JSON.stringify(fetch.variables) === variables,
      );
      if (index === -1) return undefined;
      return list.splice(index, 1)[0]?.response;
    },
  };
}
