import { createHash } from 'node:crypto';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import type { Caller } from '@msd/service-kit';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  print,
  type SelectionSetNode,
  visit,
} from 'graphql';
import type { OperationAnalyzer } from '../analyzeOperation.ts';
import { wrapExecutor } from '../wrapExecutor.ts';
import type { AccessRule } from './readAccessPolicy.ts';

/** The gateway context fields access enforcement reads. */
export interface AccessContext {
  caller: Caller;
}

/** Response key of the `__typename` that stands in for a selection left empty by removed fields. */
const PLACEHOLDER = '_accessPlaceholder';

/**
 * Enforces the supergraph's `@authenticated` / `@requiresScopes` before planning, around
 * @apollo/gateway's executor (which knows nothing of them):
 * - the fields the caller may not see are removed from the operation, and only the rest is planned
 *   and sent to subgraphs; in the answer each is null with an UNAUTHENTICATED (anonymous caller)
 *   or FORBIDDEN error at its path, null propagating to the nearest nullable parent as GraphQL
 *   execution would;
 * - a mutation with any such field is refused whole, before any subgraph is called.
 * The plan cache is keyed by the filtered operation, so callers with different rights never share
 * a plan.
 */
export function enforceAccess(gateway: GatewayInterface, analyze: OperationAnalyzer): GatewayInterface {
  return wrapExecutor(gateway, (execute) => async (requestContext) => {
    const operation = requestContext.operation;
    // servedOperations refuses these first; an executor never runs them unresolved.
    if (!operation) throw new Error('No operation resolved before execution');
    const analysis = analyze(requestContext.schema, requestContext.document, operation);
    if (analysis.ruledFields.length === 0) return execute(requestContext);
    const caller = (requestContext.context as Partial<AccessContext>).caller;
    if (!caller) throw new Error('No verified caller in the request context');
    const removed = new Map<FieldNode, Refusal>();
    let key = '';
    analysis.ruledFields.forEach((ruled, index) => {
      const refusal = refusalFor(ruled.rule, caller, ruled.typeName, ruled.node);
      if (!refusal) return;
      removed.set(ruled.node, refusal);
      key += `${index},`;
    });
    if (removed.size === 0) return execute(requestContext);
    if (operation.operation !== 'query') {
      // Refused whole: nothing is planned, no subgraph is called, nothing is written. One
      // error per refused field, none for the fields below it.
      const errors: GraphQLError[] = [];
      visit(requestContext.document, {
        Field(node) {
          const refusal = removed.get(node);
          if (!refusal) return undefined;
          errors.push(refusal.error);
          return false;
        },
      });
      return { errors };
    }
    const filtered = filteredOperation(analysis.derived, key, requestContext.document, removed);
    const result = await execute({
      ...requestContext,
      ...filtered,
    } as GatewayGraphQLRequestContext);
    return insertRefusals(result, requestContext, removed);
  });
}

interface Refusal {
  error: GraphQLError;
}

interface FilteredOperation {
  document: DocumentNode;
  source: string;
  queryHash: string;
}

/**
 * The operation without the fields refused to the caller, kept with the document's analysis by
 * which fields they are: callers with the same rights share one (printed and hashed once).
 */
function filteredOperation(
  derived: Map<string, unknown>,
  key: string,
  document: DocumentNode,
  removed: Map<FieldNode, Refusal>,
): FilteredOperation {
  const cacheKey = `access:${key}`;
  const known = derived.get(cacheKey) as FilteredOperation | undefined;
  if (known) return known;
  const without = visit(document, {
    Field(node) {
      return removed.has(node) ? null : undefined;
    },
  });
  // A selection set left empty is invalid; `__typename` keeps it valid and costs no subgraph call.
  const valid = visit(without, {
    SelectionSet(node: SelectionSetNode) {
      if (node.selections.length > 0) return undefined;
      return {
        ...node,
        selections: [
          {
            kind: Kind.FIELD,
            alias: { kind: Kind.NAME, value: PLACEHOLDER },
            name: { kind: Kind.NAME, value: '__typename' },
          },
        ],
      };
    },
  });
  const source = print(valid);
  const filtered = { document: valid, source, queryHash: createHash('sha256').update(source).digest('hex') };
  // The combinations of refused fields that callers meet are few (roles); a bound keeps a
  // pathological document from holding many.
  if (derived.size < 64) derived.set(cacheKey, filtered);
  return filtered;
}

function refusalFor(
  rule: AccessRule | undefined,
  caller: Caller,
  typeName: string,
  node: FieldNode,
): Refusal | undefined {
  if (!rule) return undefined;
  const signedIn = caller.subject !== undefined;
  const scopesMet = rule.scopes.every((alternatives) =>
    alternatives.some((set) => set.every((scope) => caller.scopes.includes(scope))),
  );
  if ((!rule.authenticated || signedIn) && scopesMet) return undefined;
  const coordinate = `${typeName}.${node.name.value}`;
  if (!signedIn) {
    return {
      error: new GraphQLError(`${coordinate} requires a signed-in caller`, {
        extensions: { code: 'UNAUTHENTICATED', field: coordinate },
      }),
    };
  }
  const needed = rule.scopes.map((alternatives) => alternatives.map((set) => set.join(' ')).join(' | '));
  return {
    error: new GraphQLError(`${coordinate} requires the scope ${needed.join(' and ')}`, {
      extensions: { code: 'FORBIDDEN', field: coordinate, requiredScopes: rule.scopes },
    }),
  };
}

/**
 * Puts each removed field back into the answer as null with its error, at every path the answer
 * has it, propagating null up through non-null positions like GraphQL execution does.
 */
function insertRefusals(
  result: GatewayExecutionResult,
  requestContext: GatewayGraphQLRequestContext,
  removed: Map<FieldNode, Refusal>,
): GatewayExecutionResult {
  const schema = requestContext.schema;
  const operation = requestContext.operation as OperationDefinitionNode;
  const fragments = new Map(
    requestContext.document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const errors: GraphQLError[] = [];
  const root = schema.getQueryType();
  if (!root || !result.data) return { ...result, errors: [...(result.errors ?? [])] };
  const data = { ...result.data } as Record<string, unknown>;

  const fieldsOf = (selectionSet: SelectionSetNode, type: GraphQLCompositeType, into: FieldNode[] = []) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) into.push(selection);
      else {
        const fragment =
          selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition?.name.value;
        if (condition && !typeMatches(schema, condition, type)) continue;
        fieldsOf(fragment.selectionSet, type, into);
      }
    }
    return into;
  };

  /** Returns true when the object must become null (a non-null field of it is null). */
  const completeObject = (
    value: Record<string, unknown>,
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    path: (string | number)[],
  ): boolean => {
    delete value[PLACEHOLDER];
    const concrete =
      isAbstractType(type) && typeof value.__typename === 'string'
        ? (schema.getType(value.__typename) as GraphQLCompositeType)
        : type;
    if (!isObjectType(concrete)) return false;
    for (const node of fieldsOf(selectionSet, concrete)) {
      const key = node.alias?.value ?? node.name.value;
      const definition = concrete.getFields()[node.name.value];
      if (!definition) continue;
      const refusal = removed.get(node);
      if (refusal) {
        errors.push(
          new GraphQLError(refusal.error.message, {
            path: [...path, key],
            extensions: refusal.error.extensions,
          }),
        );
        if (isNonNullType(definition.type)) return true;
        value[key] = null;
        continue;
      }
      if (!node.selectionSet || value[key] == null) continue;
      if (completeValue(value, key, definition.type, node.selectionSet, [...path, key])) {
        if (isNonNullType(definition.type)) return true;
        value[key] = null;
      }
    }
    return false;
  };

  const completeValue = (
    holder: Record<string, unknown> | unknown[],
    key: string | number,
    type: GraphQLOutputType,
    selectionSet: SelectionSetNode,
    path: (string | number)[],
  ): boolean => {
    const inner = isNonNullType(type) ? type.ofType : type;
    const value = (holder as Record<string | number, unknown>)[key];
    if (value == null) return false;
    if (isListType(inner)) {
      const list = [...(value as unknown[])];
      (holder as Record<string | number, unknown>)[key] = list;
      for (let i = 0; i < list.length; i++) {
        if (completeValue(list, i, inner.ofType, selectionSet, [...path, i])) {
          if (isNonNullType(inner.ofType)) return true;
          list[i] = null;
        }
      }
      return false;
    }
    const named = getNamedType(inner);
    if (!isCompositeType(named)) return false;
    const copy = { ...(value as Record<string, unknown>) };
    (holder as Record<string | number, unknown>)[key] = copy;
    return completeObject(copy, selectionSet, named, path);
  };

  const nulled = completeObject(data, operation.selectionSet, root, []);
  return {
    ...result,
    data: nulled ? null : data,
    errors: [...(result.errors ?? []), ...errors],
  };
}

function typeMatches(schema: GraphQLSchema, condition: string, type: GraphQLCompositeType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return (
    conditionType !== undefined &&
    isAbstractType(conditionType) &&
    isObjectType(type) &&
    schema.isSubType(conditionType, type)
  );
}
