import type {
  Experimental_DidResolveQueryPlanCallback,
  GraphQLDataSource,
  GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';

type PlanNode = NonNullable<Parameters<Experimental_DidResolveQueryPlanCallback>[0]['queryPlan']['node']>;
export type FetchNode = Extract<PlanNode, { kind: 'Fetch' }>;
type Selection = NonNullable<FetchNode['requires']>[number];

/** A fetch this executor made: what the executor's own path is answered with if it takes over. */
export interface MadeFetch {
  subgraph: string;
  query: string;
  variables: Record<string, unknown>;
  response: GatewayGraphQLResponse;
}

/** The executor cannot reproduce what @apollo/gateway's would do here (an error, an unusual answer). */
export class PlanFallback extends Error {}

/** `GraphQLDataSourceRequestKind.INCOMING_OPERATION`: the enum is not exported from the package's entry. */
const incomingOperation = 'incoming operation' as Extract<
  GraphQLDataSourceProcessOptions,
  { incomingRequestContext: unknown }
>['kind'];

/**
 * Whether `executePlan` runs this plan: sequences, parallels, flattens and fetches of a query (of a
 * mutation, one fetch),
 * without rewrites (no `@interfaceObject`, no aliases the planner renames, no `@fromContext`),
 * `requires` of fields and inline fragments only.
 */
export function executablePlan(node: PlanNode | undefined, mutation = false): boolean {
  if (!node) return false;
  // A mutation only as a plan of one fetch: should it fail, @apollo/gateway's executor is answered
  // from it (`made`), and no step after a write is left to be run twice.
  if (mutation && (node.kind !== 'Fetch' || node.requires)) return false;
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.every((inner) => executablePlan(inner));
    case 'Flatten':
      return executablePlan(node.node);
    case 'Fetch':
      return (
        node.operationKind === (mutation ? 'mutation' : 'query') &&
        !node.inputRewrites?.length &&
        !node.outputRewrites?.length &&
        !node.contextRewrites?.length
      );
    default:
      return false;
  }
}

/**
 * Runs a query plan as @apollo/gateway's `executeQueryPlan` does up to its result shaping: each
 * fetch sent through the data sources with the same request, its answer merged into the result
 * with @apollo/gateway's `deepMerge` semantics, entity representations built from `requires`. It
 * does not report errors: at the first error of a subgraph, or anything that executor would turn
 * into one, it throws `PlanFallback`, and the request is run again by @apollo/gateway's executor,
 * whose data sources answer each fetch already made from `made` (nothing is sent twice).
 */
export async function executePlan(
  node: PlanNode,
  requestContext: GatewayGraphQLRequestContext,
  sources: Record<string, GraphQLDataSource>,
  made: MadeFetch[],
): Promise<Record<string, unknown>> {
  const data: Record<string, unknown> = Object.create(null);
  const given = requestContext.request.variables;

  const send = async (fetch: FetchNode, variables: Record<string, unknown>, path: (string | number)[]) => {
    const source = sources[fetch.serviceName];
    if (!source) throw new PlanFallback();
    const response = await source.process({
      kind: incomingOperation,
      request: { query: fetch.operation, variables, operationName: fetch.operationName },
      incomingRequestContext: requestContext,
      context: requestContext.context,
      ...(fetch.operationDocumentNode ? { document: fetch.operationDocumentNode } : {}),
      pathInIncomingRequest: path,
    });
    made.push({ subgraph: fetch.serviceName, query: fetch.operation, variables, response });
    if (response.errors) throw new PlanFallback();
    return response.data;
  };

  /** The fetch's variables as @apollo/gateway passes them: those it uses, as the client sent them. */
  const variablesOf = (fetch: FetchNode) => {
    const variables: Record<string, unknown> = Object.create(null);
    for (const name of fetch.variableUsages ?? [])
      if (given && Object.hasOwn(given, name) && given[name] !== undefined) variables[name] = given[name];
    return variables;
  };

  const runFetch = async (fetch: FetchNode, cursor: unknown, path: (string | number)[]) => {
    const entities = (Array.isArray(cursor) ? cursor : [cursor]).filter((entity) => entity != null);
    if (entities.length === 0) return;
    const variables = variablesOf(fetch);
    if (!fetch.requires) {
      const received = await send(fetch, variables, path);
      for (const entity of entities) deepMerge(entity, received);
      return;
    }
    const requires = fetch.requires;
    const representations = entities.map((entity) => {
      const representation = selectRequired(entity, requires);
      // @apollo/gateway skips such an entity; so rare that its own path may handle it.
      if (!representation?.__typename) throw new PlanFallback();
      return representation;
    });
    if ('representations' in variables) throw new PlanFallback();
    const received = await send(fetch, { ...variables, representations }, path);
    if (!received) return;
    const answers = received._entities;
    if (!Array.isArray(answers) || answers.length !== entities.length) throw new PlanFallback();
    entities.forEach((entity, index) => {
      const answer = answers[index];
      if (answer && !answer.__typename) answer.__typename = entity.__typename;
      deepMerge(entity, answer);
    });
  };

  const run = async (plan: PlanNode, cursor: unknown, path: (string | number)[]): Promise<void> => {
    switch (plan.kind) {
      case 'Sequence':
        for (const child of plan.nodes) await run(child, cursor, path);
        return;
      case 'Parallel': {
        // Every branch ends before a failure is reported: the executor taking over then finds each
        // fetch made, none still in flight to be sent again.
        const settled = await Promise.allSettled(plan.nodes.map((child) => run(child, cursor, path)));
        for (const branch of settled) if (branch.status === 'rejected') throw branch.reason;
        return;
      }
      case 'Flatten': {
        const moved = atPath(cursor, plan.path);
        if (moved) await run(plan.node, moved, path.concat(plan.path));
        return;
      }
      case 'Fetch':
        return runFetch(plan, cursor, path);
      default:
        throw new PlanFallback();
    }
  };

  // One root fetch: its data is what merging it into the empty result would copy.
  if (node.kind === 'Fetch' && !node.requires)
    return ((await send(node, variablesOf(node), [])) ?? data) as Record<string, unknown>;
  await run(node, data, []);
  return data;
}

/** @apollo/gateway's `flattenResultsAtPath`: the values at a plan path, `@` flattening lists. */
function atPath(value: unknown, path: readonly (string | number)[]): unknown {
  if (path.length === 0 || value == null) return value;
  const [head, ...rest] = path;
  if (head === '@') {
    if (!Array.isArray(value)) throw new PlanFallback();
    return value.flatMap((element) => atPath(element, rest));
  }
  if (typeof head !== 'string' || Array.isArray(value)) throw new PlanFallback();
  const record = value as Record<string, unknown>;
  return atPath(Object.hasOwn(record, head) ? record[head] : undefined, rest);
}

/** @apollo/gateway's `executeSelectionSet` for `requires`; a fragment on another type than the object's own gives up. */
function selectRequired(
  source: Record<string, unknown>,
  selections: readonly Selection[],
): Record<string, unknown> | null {
  const result: Record<string, unknown> = Object.create(null);
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const key = selection.alias ?? selection.name;
      const value = Object.hasOwn(source, key) ? source[key] : undefined;
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value)) result[key] = value.map((item) => (sub ? selectNullable(item, sub) : item));
      else result[key] = sub ? selectNullable(value, sub) : value;
      continue;
    }
    if (!selection.typeCondition) continue;
    if (source.__typename === undefined) continue;
    if (source.__typename !== selection.typeCondition) throw new PlanFallback();
    deepMerge(result, selectRequired(source, selection.selections));
  }
  return result;
}

function selectNullable(value: unknown, selections: readonly Selection[]) {
  return value === null ? null : selectRequired(value as Record<string, unknown>, selections);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** @apollo/gateway's `deepMerge` (utilities/deepMerge.js), whose order of writes the result keeps. */
function deepMerge(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (source == null) return target;
  const from = source as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    const incoming = from[key];
    if (incoming === undefined) continue;
    const existing = target[key];
    if (existing && isObject(incoming)) deepMerge(existing as Record<string, unknown>, incoming);
    else if (Array.isArray(incoming) && Array.isArray(existing) && incoming.length === existing.length) {
      for (let i = 0; i < incoming.length; i++) {
        if (isObject(existing[i]) && isObject(incoming[i]))
          deepMerge(existing[i] as Record<string, unknown>, incoming[i]);
        else existing[i] = incoming[i];
      }
    } else target[key] = incoming;
  }
  return target;
}
