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
 * - the fetches of all parts that differ only in what they select are sent as one, the union of
 *   their selections: root fetches to one subgraph that select a same root field (the initial
 *   `rides { id driverName }` and the fragment's `rides { id driverName driver { __typename id } }`
 *   become the latter), and entity fetches to one subgraph from the same representations (same
 *   path, `requires` and rewrites); @apollo/gateway keeps only what each operation selects. When
 *   the union's answer has an error in a field a part did not select, that part sends its own fetch
 *   (such an error may have nulled more than its field);
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
  const fetches: { fetch: PlanNode; slot?: string }[] = [];
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
    for (const [key, rewrite] of unionsOf(fetches)) rewrites.set(key, rewrite);
    release();
  };

  return {
    planned(part, plan, planVariables) {
      if (settled.has(part)) return;
      variables = planVariables ?? variables;
      fetches.push(...fetchesOf(plan.node as PlanNode | undefined));
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
            // Its own (representations) and the client's, as @apollo/gateway picks them.
            variables: Object.fromEntries(
              rewrite.variableUsages.flatMap((name) => {
                const value = request.variables?.[name] ?? variables[name];
                return value === undefined ? [] : [[name, value]];
              }),
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
      // An error in a field another part asked for may have nulled more than that field (a
      // non-null one nulls its parent): a part that did not ask for it asks for its own.
      if (rewrite && response.errors?.some((error) => error.path && !selects(rewrite.own, error.path)))
        return send(request);
      return response;
    },
  };
}

/**
 * The plan's query fetches, each with what makes two fetches of different parts the same fetch but
 * for their selections: for an entity fetch, where its representations come from and how (the
 * path of its Flatten, its `requires` and rewrites); a root fetch is matched by its root fields.
 */
function fetchesOf(node: PlanNode | undefined, flatten?: string): { fetch: PlanNode; slot?: string }[] {
  if (!node) return [];
  if (node.kind === 'Fetch') {
    if (node.operationKind !== 'query' || !node.operation) return [];
    if (node.requires === undefined) return [{ fetch: node }];
    const { requires, inputRewrites, contextRewrites } = node as PlanNode & Record<string, unknown>;
    return flatten === undefined
      ? []
      : [{ fetch: node, slot: JSON.stringify([flatten, requires, inputRewrites, contextRewrites]) }];
  }
  const path = node.kind === 'Flatten' ? JSON.stringify((node as { path?: unknown }).path) : flatten;
  return [
    ...(node.nodes ?? []).flatMap((inner) => fetchesOf(inner, path)),
    ...fetchesOf(node.node, path),
    ...fetchesOf(node.ifClause, path),
    ...fetchesOf(node.elseClause, path),
  ];
}

/**
 * Per subgraph, the fetches of all parts that are one fetch but for their selections (root fetches
 * sharing a root field; entity fetches from the same representations), each mapped to the union of
 * its group, keyed by subgraph and fetch text. A group whose union cannot be written (one response
 * key for different fields or arguments, named fragments) is left as it is, as is a text found in
 * two different groups.
 */
function unionsOf(fetches: { fetch: PlanNode; slot?: string }[]): Map<string, Rewrite> {
  const groups: { key: string; fields: Set<string>; fetches: Map<string, OperationDefinitionNode> }[] = [];
  for (const { fetch, slot } of fetches) {
    const key = `${fetch.serviceName}\0${slot ?? ''}`;
    // A fetch with named fragments is left alone: only its operation would be printed.
    const [operation, ...fragments] = (fetch.operationDocumentNode ?? parse(fetch.operation as string))
      .definitions;
    if (operation?.kind !== Kind.OPERATION_DEFINITION || fragments.length > 0) continue;
    const fields = new Set(slot ? ['_entities'] : operation.selectionSet.selections.flatMap(responseKeysOf));
    const joined = { key, fields, fetches: new Map([[fetch.operation as string, operation]]) };
    for (const group of groups.filter(
      (candidate) => candidate.key === key && [...candidate.fields].some((field) => fields.has(field)),
    )) {
      for (const field of group.fields) joined.fields.add(field);
      for (const [text, other] of group.fetches) joined.fetches.set(text, other);
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(joined);
  }
  const rewrites = new Map<string, Rewrite | undefined>();
  for (const { key, fetches } of groups) {
    if (fetches.size < 2) continue;
    const [first, ...rest] = [...fetches.values()] as [OperationDefinitionNode, ...OperationDefinitionNode[]];
    let union: OperationDefinitionNode | undefined = first;
    for (const operation of rest) union = union && unionOf(union, operation);
    if (!union) continue;
    const query = print({ kind: Kind.DOCUMENT, definitions: [union] });
    const variableUsages = (union.variableDefinitions ?? []).map(
      (definition) => definition.variable.name.value,
    );
    const subgraph = key.slice(0, key.indexOf('\0'));
    for (const [text, operation] of fetches) {
      const at = `${subgraph}\0${text}`;
      rewrites.set(
        at,
        rewrites.has(at) && rewrites.get(at)?.query !== query
          ? undefined
          : { query, operationName: union.name?.value, variableUsages, own: operation.selectionSet },
      );
    }
  }
  return new Map([...rewrites].flatMap(([at, rewrite]) => (rewrite ? [[at, rewrite] as const] : [])));
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
      // A response key taken by another field, or the same field with other arguments, here or in
      // an inline fragment on the same object.
      if (
        selection.kind === Kind.FIELD &&
        selections.flatMap(responseKeysOf).includes(selection.alias?.value ?? selection.name.value)
      )
        return undefined;
      selections.push(selection);
      continue;
    }
    if (mine.kind === Kind.FRAGMENT_SPREAD) return undefined; // never: spreads match no slot
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
