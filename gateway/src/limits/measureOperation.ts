import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from 'graphql';
import type { CostModel } from './costModel.ts';

export interface OperationMeasures {
  depth: number;
  aliases: number;
  rootFields: number;
  /** Estimated cost: the IBM GraphQL cost spec's static estimate, with the supergraph's @cost and @listSize. */
  cost: number;
}

export interface MeasureOptions {
  /** Size assumed for a list field without @listSize, or whose slicing argument is not given. */
  defaultListSize: number;
  /** Weight of a mutation root field without @cost: a write costs more than a read. */
  mutationWeight: number;
}

/**
 * Depth, aliases, root fields and estimated cost of one operation, computed on the document before
 * planning. Fragments are measured once each (memoized), so a document that reuses fragments
 * exponentially is measured in linear time and its cost comes out as large as it is.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  model: CostModel,
  options: MeasureOptions,
): OperationMeasures {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
  });
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return { depth: 0, aliases, rootFields: 0, cost: 0 };

  const depthMemo = new Map<string, number>();
  const costMemo = new Map<string, number>();

  const depthOf = (selectionSet: SelectionSetNode): number => {
    let deepest = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        // Introspection (Sandbox's schema query nests `ofType` ten deep) is bounded by the schema
        // itself and switched off in production; the limits are for the data graph.
        if (selection.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet));
      } else {
        const name = selection.name.value;
        if (!depthMemo.has(name)) {
          depthMemo.set(name, 0); // a cycle (refused by validation anyway) ends here
          const fragment = fragments.get(name);
          depthMemo.set(name, fragment ? depthOf(fragment.selectionSet) : 0);
        }
        deepest = Math.max(deepest, depthMemo.get(name) ?? 0);
      }
    }
    return deepest;
  };

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) total += fieldCost(selection, parent);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type && isCompositeType(type)) total += costOf(selection.selectionSet, type);
      } else {
        const name = selection.name.value;
        if (!costMemo.has(name)) {
          costMemo.set(name, 0);
          const fragment = fragments.get(name);
          const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
          costMemo.set(
            name,
            fragment && type && isCompositeType(type) ? costOf(fragment.selectionSet, type) : 0,
          );
        }
        total += costMemo.get(name) ?? 0;
      }
    }
    return total;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType): number => {
    if (node.name.value.startsWith('__')) return 0;
    const definition = 'getFields' in parent ? parent.getFields()[node.name.value] : undefined;
    if (!definition) return 0;
    const named = getNamedType(definition.type);
    const coordinate = `${parent.name}.${node.name.value}`;
    const weight =
      model.weights.get(coordinate) ??
      model.weights.get(named.name) ??
      (parent === root && operation.operation === 'mutation'
        ? options.mutationWeight
        : isCompositeType(named)
          ? 1
          : 0);
    const children = node.selectionSet && isCompositeType(named) ? costOf(node.selectionSet, named) : 0;
    const inner = isNonNullType(definition.type) ? definition.type.ofType : definition.type;
    const size = isListType(inner) ? listSize(node, definition, coordinate) : 1;
    return size * (weight + children);
  };

  const listSize = (
    node: FieldNode,
    definition: GraphQLField<unknown, unknown>,
    coordinate: string,
  ): number => {
    const declared = model.listSizes.get(coordinate);
    const sizes = (declared?.slicingArguments ?? []).flatMap((name) => {
      const given = node.arguments?.find((arg) => arg.name.value === name)?.value;
      const value =
        (given ? argumentValue(given, variables, operation) : undefined) ??
        definition.args.find((arg) => arg.name === name)?.defaultValue;
      return typeof value === 'number' && Number.isFinite(value) ? [Math.max(0, Math.min(value, 1e6))] : [];
    });
    if (sizes.length > 0) return Math.max(...sizes);
    return declared?.assumedSize ?? options.defaultListSize;
  };

  let rootFields = 0;
  const countRoot = (selectionSet: SelectionSetNode, seen: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) rootFields += selection.name.value.startsWith('__') ? 0 : 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) countRoot(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) countRoot(fragment.selectionSet, seen);
      }
    }
  };
  countRoot(operation.selectionSet, new Set());

  return {
    depth: depthOf(operation.selectionSet),
    aliases,
    rootFields,
    cost: costOf(operation.selectionSet, root),
  };
}

/** One composite field of a selection on one object type: where its value is, and what it weighs. */
interface CostStep {
  key: string;
  weight: number;
  selectionSet: SelectionSetNode;
  type: GraphQLCompositeType;
}
/**
 * The composite fields of a selection set on a concrete type, fragments flattened, per cost model:
 * Apollo Server keeps one parsed document per operation text, so its selection sets are worked out
 * once and every later answer is walked with property reads only (leaves weigh nothing and are skipped).
 */
const stepsByModel = new WeakMap<CostModel, WeakMap<SelectionSetNode, Map<string, CostStep[]>>>();

/**
 * The cost the answer actually had: the same weights, with the lists as long as they came back.
 * Measured on executed operations for the histogram that shows how close estimates are.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Record<string, unknown> | null | undefined,
  model: CostModel,
  options: MeasureOptions,
): number {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root || !data) return 0;
  const fragmentNamed = (name: string) =>
    document.definitions.find(
      (d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name,
    );
  let byType = stepsByModel.get(model);
  if (byType === undefined) {
    byType = new WeakMap();
    stepsByModel.set(model, byType);
  }
  const stepsBySelection = byType;

  const collect = (set: SelectionSetNode, concrete: GraphQLObjectType, steps: CostStep[]) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const definition = concrete.getFields()[selection.name.value];
        if (!definition || !selection.selectionSet) continue;
        const named = getNamedType(definition.type);
        if (!isCompositeType(named)) continue;
        const weight =
          model.weights.get(`${concrete.name}.${selection.name.value}`) ??
          model.weights.get(named.name) ??
          (concrete === root && operation.operation === 'mutation' ? options.mutationWeight : 1);
        steps.push({
          key: selection.alias?.value ?? selection.name.value,
          weight,
          selectionSet: selection.selectionSet,
          type: named,
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === concrete.name)
          collect(selection.selectionSet, concrete, steps);
      } else {
        const fragment = fragmentNamed(selection.name.value);
        if (fragment && fragment.typeCondition.name.value === concrete.name)
          collect(fragment.selectionSet, concrete, steps);
      }
    }
    return steps;
  };
  const stepsFor = (selectionSet: SelectionSetNode, concrete: GraphQLObjectType): CostStep[] => {
    let perType = stepsBySelection.get(selectionSet);
    if (perType === undefined) {
      perType = new Map();
      stepsBySelection.set(selectionSet, perType);
    }
    let steps = perType.get(concrete.name);
    if (steps === undefined) {
      steps = collect(selectionSet, concrete, []);
      perType.set(concrete.name, steps);
    }
    return steps;
  };

  const objectCost = (value: unknown, selectionSet: SelectionSetNode, type: GraphQLNamedType): number => {
    if (value == null || typeof value !== 'object') return 0;
    if (Array.isArray(value)) {
      let sum = 0;
      for (const item of value) sum += objectCost(item, selectionSet, type);
      return sum;
    }
    const typename = (value as { __typename?: unknown }).__typename;
    const concrete = typeof typename === 'string' ? (schema.getType(typename) ?? type) : type;
    if (!isObjectType(concrete)) return 0;
    let total = 0;
    for (const step of stepsFor(selectionSet, concrete)) {
      const child = (value as Record<string, unknown>)[step.key];
      let count = child == null ? 0 : 1;
      if (Array.isArray(child)) {
        count = 0;
        for (const item of child) if (item != null) count++;
      }
      total += count * step.weight + objectCost(child, step.selectionSet, step.type);
    }
    return total;
  };
  return objectCost(data, operation.selectionSet, root);
}

function argumentValue(
  node: ValueNode,
  variables: Record<string, unknown>,
  operation: OperationDefinitionNode,
): unknown {
  if (node.kind === Kind.VARIABLE) {
    const name = node.name.value;
    if (variables[name] !== undefined) return variables[name];
    const fallback = operation.variableDefinitions?.find((d) => d.variable.name.value === name)?.defaultValue;
    return fallback ? argumentValue(fallback, {}, operation) : undefined;
  }
  if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
  return undefined;
}
