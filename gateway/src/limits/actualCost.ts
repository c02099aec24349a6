import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CostModel } from './costModel.ts';
import { type CostOptions, costRules, fieldDefinition } from './costRules.ts';

/** One weighed field of a selection on one object type: where its value is, and what it weighs. */
interface CostStep {
  key: string;
  weight: number;
  selectionSet: SelectionSetNode | undefined;
  type: GraphQLCompositeType | undefined;
}
/**
 * The weighed fields of a selection set on a concrete type, fragments flattened, per cost model:
 * Apollo Server keeps one parsed document per operation text, so its selection sets are worked out
 * once and every later answer is walked with property reads only (leaves without @cost are skipped).
 */
const stepsByModel = new WeakMap<CostModel, WeakMap<SelectionSetNode, Map<string, CostStep[]>>>();

/**
 * The cost the answer actually had: the estimate's rule set (costRules), with the lists as long as
 * they came back. Measured on executed operations for the histogram that shows how close estimates are.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Record<string, unknown> | null | undefined,
  model: CostModel,
  options: CostOptions,
): number {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root || !data) return 0;
  const rules = costRules(schema, model, options);
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
        const name = selection.name.value;
        const definition = fieldDefinition(schema, concrete, concrete === root, name);
        if (!definition) continue;
        const named = getNamedType(definition.type);
        const weight = rules.weight(
          concrete,
          definition,
          concrete === root && operation.operation === 'mutation',
        );
        const composite = isCompositeType(named) && selection.selectionSet !== undefined;
        if (!composite && weight === 0) continue;
        steps.push({
          key: selection.alias?.value ?? name,
          weight,
          selectionSet: composite ? selection.selectionSet : undefined,
          type: composite ? named : undefined,
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || conditionHolds(schema, selection.typeCondition.name.value, concrete))
          collect(selection.selectionSet, concrete, steps);
      } else {
        const fragment = fragmentNamed(selection.name.value);
        if (fragment && conditionHolds(schema, fragment.typeCondition.name.value, concrete))
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
      total += count * step.weight;
      if (step.selectionSet && step.type) total += objectCost(child, step.selectionSet, step.type);
    }
    return total;
  };
  return objectCost(data, operation.selectionSet, root);
}

/** A fragment on `condition` applies to an object of `concrete`: the same type, or an abstract type it belongs to. */
function conditionHolds(schema: GraphQLSchema, condition: string, concrete: GraphQLObjectType): boolean {
  if (condition === concrete.name) return true;
  const type = schema.getType(condition);
  return (
    type !== undefined && isCompositeType(type) && !isObjectType(type) && schema.isSubType(type, concrete)
  );
}
