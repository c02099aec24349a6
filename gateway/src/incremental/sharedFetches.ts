import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** What a fetch sends to a subgraph (the request body's fields). */
export interface SubgraphRequest {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

/** The parts of a query plan read here (structurally @apollo/query-planner's `QueryPlan`). */
interface PlanNode {
  kind: string;
  nodes?: PlanNode[];
  node?: PlanNode;
  ifClause?: PlanNode;
  elseClause?: PlanNode;
  serviceName?: string;
  requires?: unknown;
  operation?: string;
  operationKind?: string;
  operationDocumentNode?: DocumentNode;
}

/** A root fetch sent as the union of itself and the overlapping root fetches of the request's other parts. */
interface Rewrite {
  query: string;
  operationName: string | undefined;
  variableUsages: string[];
  /** The fetch's own selection: errors outside it belong to the parts that asked for them. */
  own: SelectionSetNode;
}

/**
 * The subgraph fetches of one `@defer` request, shared by its parts (the initial operation and one
 * operation per fragment, each planned by @apollo/gateway on its own), so that a fragment's run
 * does not fetch its parents again:
 * - each part reports its query plan before it fetches anything (`planned`), or that it ended
 *   without one (`ended`); fetches wait until every part has done one or the other;
 * - the root fetches of all parts to one subgraph that select a same root field are sent as one
 *   fetch, the union of their selections (the initial `rides { id driverName }` and the fragment's
 *   `rides { id driverName driver { __typename id } }` become the latter): @apollo/gateway keeps
 *   only what each operation selects, and errors with a path outside a part's own fetch are left
 *   to the part that asked for that field;
 * - a fetch identical to one already made in this request (same subgraph, text, variables and
 *   headers) is not sent again: it gets a copy of that answer, or that failure.
 */
export interface SharedFetches {
  planned(part: object, plan: { node?: unknown }, variables: Record<string, unknown> | undefined): void;
  ended(part: object): void;
  fetch(
    subgraph: string,
    request: SubgraphRequest,
    /** The headers the fetch is sent with, as a key (the caller and its credential). */
    headersKey: string,
    send: (request: SubgraphRequest) => Promise<GatewayGraphQLResponse>,
  ): Promise<GatewayGraphQLResponse>;
}

export function sharedFetches(parts: number): SharedFetches {
  const settled = new Set<object>();
  const roots: PlanNode[] = [];
  let variables: Record<string, unknown> = {};
  const rewrites = new Map<string, Rewrite>();
  const answers = new Map<string, Promise<GatewayGraphQLResponse>>();
  let release = () => {};
  const ready = new Promise<void>((resolve) => {
    release = resolve;
  });
  const settle = (part: object) => {
    if (settled.has(part)) return;
    settled.add(part);
    if (settled.size < parts) return;
    for (const [key, rewrite] of unionOfRootFetches(roots)) rewrites.set(key, rewrite);
    release();
  };

  return {
    planned(part, plan, planVariables) {
      if (settled.has(part)) return;
      variables = planVariables ?? variables;
      roots.push(...rootFetches(plan.node as PlanNode | undefined));
      settle(part);
    },
    ended: settle,
    async fetch(subgraph, request, headersKey, send) {
      await ready;
      const rewrite = request.query === undefined ? undefined : rewrites.get(`${subgraph}\0${request.query}`);
      const sent: SubgraphRequest = rewrite
        ? {
            ...request,
            query: rewrite.query,
            operationName: rewrite.operationName,
            variables: Object.fromEntries(
              rewrite.variableUsages.flatMap((name) =>
                variables[name] === undefined ? [] : [[name, variables[name]]],
              ),
            ),
          }
        : request;
      const key = `${subgraph}\0${JSON.stringify([sent.query, sent.variables, sent.extensions])}\0${headersKey}`;
      let answer = answers.get(key);
      if (!answer) {
        answer = send(sent);
        answers.set(key, answer);
      }
      // @apollo/gateway merges into what it receives: every part gets a copy of its own.
      const response = structuredClone(await answer);
      if (!rewrite || !response.errors) return response;
      const errors = response.errors.filter((error) => !error.path || selects(rewrite.own, error.path));
      return { ...response, errors: errors.length > 0 ? errors : undefined };
    },
  };
}

/** The plan's fetches that need nothing from another fetch: those sent first, to a root field. */
function rootFetches(node: PlanNode | undefined): PlanNode[] {
  if (!node) return [];
  if (node.kind === 'Fetch')
    return node.requires === undefined && node.operationKind === 'query' && node.operation ? [node] : [];
  if (node.kind === 'Flatten') return []; // entity fetches, which depend on their parents' answers
  return [
    ...(node.nodes ?? []).flatMap(rootFetches),
    ...rootFetches(node.node),
    ...rootFetches(node.ifClause),
    ...rootFetches(node.elseClause),
  ];
}

/**
 * Per subgraph, the root fetches that share a root field (response key), each mapped to the union
 * of its group, keyed by subgraph and fetch text. A group whose union cannot be written (the same
 * response key for different fields or arguments, named fragments) is left as it is.
 */
function unionOfRootFetches(roots: PlanNode[]): Map<string, Rewrite> {
  const groups: { subgraph: string; keys: Set<string>; fetches: Map<string, OperationDefinitionNode> }[] = [];
  for (const fetch of roots) {
    const subgraph = fetch.serviceName ?? '';
    // A fetch with named fragments is left alone: only its operation would be printed.
    const [operation, ...fragments] = (fetch.operationDocumentNode ?? parse(fetch.operation as string))
      .definitions;
    if (operation?.kind !== Kind.OPERATION_DEFINITION || fragments.length > 0) continue;
    const keys = new Set(operation.selectionSet.selections.flatMap(responseKeysOf));
    const joined = { subgraph, keys, fetches: new Map([[fetch.operation as string, operation]]) };
    for (const group of groups.filter(
      (candidate) => candidate.subgraph === subgraph && [...candidate.keys].some((key) => keys.has(key)),
    )) {
      for (const key of group.keys) joined.keys.add(key);
      for (const [text, other] of group.fetches) joined.fetches.set(text, other);
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(joined);
  }
  const rewrites = new Map<string, Rewrite>();
  for (const { subgraph, fetches } of groups) {
    if (fetches.size < 2) continue;
    const [first, ...rest] = [...fetches.values()] as [OperationDefinitionNode, ...OperationDefinitionNode[]];
    let union: OperationDefinitionNode | undefined = first;
    for (const operation of rest) union = union && unionOf(union, operation);
    if (!union) continue;
    const query = print({ kind: Kind.DOCUMENT, definitions: [union] });
    const variableUsages = (union.variableDefinitions ?? []).map(
      (definition) => definition.variable.name.value,
    );
    for (const [text, operation] of fetches)
      rewrites.set(`${subgraph}\0${text}`, {
        query,
        operationName: union.name?.value,
        variableUsages,
        own: operation.selectionSet,
      });
  }
  return rewrites;
}

function unionOf(
  a: OperationDefinitionNode,
  b: OperationDefinitionNode,
): OperationDefinitionNode | undefined {
  const selectionSet = unionOfSelections(a.selectionSet, b.selectionSet);
  if (!selectionSet) return undefined;
  const variableDefinitions = [...(a.variableDefinitions ?? [])];
  for (const definition of b.variableDefinitions ?? []) {
    const same = variableDefinitions.find(
      (mine) => mine.variable.name.value === definition.variable.name.value,
    );
    if (!same) variableDefinitions.push(definition);
    else if (print(same) !== print(definition)) return undefined;
  }
  return { ...a, variableDefinitions, selectionSet };
}

/** The union of two selection sets, or undefined when one response key means two different things. */
function unionOfSelections(a: SelectionSetNode, b: SelectionSetNode): SelectionSetNode | undefined {
  const selections: SelectionNode[] = [...a.selections];
  for (const selection of b.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) return undefined;
    const index = selections.findIndex((mine) => sameSlot(mine, selection));
    const mine = selections[index];
    if (!mine) {
      if (selection.kind === Kind.FIELD && selections.some((other) => collides(other, selection)))
        return undefined;
      selections.push(selection);
      continue;
    }
    if (mine.kind === Kind.FRAGMENT_SPREAD) return undefined;
    if (!mine.selectionSet !== !selection.selectionSet) return undefined;
    if (!mine.selectionSet || !selection.selectionSet) continue;
    const merged = unionOfSelections(mine.selectionSet, selection.selectionSet);
    if (!merged) return undefined;
    selections[index] = { ...mine, selectionSet: merged };
  }
  return { ...a, selections };
}

/** Whether two selections are the same field (response key, name, arguments, directives) or fragment. */
function sameSlot(a: SelectionNode, b: SelectionNode): boolean {
  if (a.kind === Kind.FIELD && b.kind === Kind.FIELD)
    return (
      (a.alias?.value ?? a.name.value) === (b.alias?.value ?? b.name.value) &&
      a.name.value === b.name.value &&
      printAll(a.arguments) === printAll(b.arguments) &&
      printAll(a.directives) === printAll(b.directives)
    );
  if (a.kind === Kind.INLINE_FRAGMENT && b.kind === Kind.INLINE_FRAGMENT)
    return (
      a.typeCondition?.name.value === b.typeCondition?.name.value &&
      printAll(a.directives) === printAll(b.directives)
    );
  return false;
}

/** A field whose response key is taken by another field or other arguments. */
function collides(a: SelectionNode, b: SelectionNode): boolean {
  return (
    a.kind === Kind.FIELD &&
    b.kind === Kind.FIELD &&
    (a.alias?.value ?? a.name.value) === (b.alias?.value ?? b.name.value)
  );
}

function printAll(nodes: readonly Parameters<typeof print>[0][] | undefined): string {
  return (nodes ?? []).map((node) => print(node)).join(' ');
}

function responseKeysOf(selection: SelectionNode): string[] {
  if (selection.kind === Kind.FIELD) return [selection.alias?.value ?? selection.name.value];
  if (selection.kind === Kind.INLINE_FRAGMENT)
    return selection.selectionSet.selections.flatMap(responseKeysOf);
  return [];
}

/** Whether a selection set selects the field an error's path names (list indexes crossed). */
function selects(selectionSet: SelectionSetNode | undefined, path: readonly (string | number)[]): boolean {
  const [segment, ...rest] = path;
  if (segment === undefined || selectionSet === undefined) return true;
  if (typeof segment === 'number') return selects(selectionSet, rest);
  const field = fieldAt(selectionSet, segment);
  return field !== undefined && selects(field.selectionSet ?? undefined, rest);
}

function fieldAt(
  selectionSet: SelectionSetNode,
  key: string,
): { selectionSet?: SelectionSetNode } | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === key)
      return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const found = fieldAt(selection.selectionSet, key);
      if (found) return found;
    }
  }
  return undefined;
}
