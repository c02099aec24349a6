import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { AccessPolicy, AccessRule } from './access/readAccessPolicy.ts';
import type { CostModel } from './limits/costModel.ts';
import { type CostOptions, type CostRules, costRules, fieldDefinition } from './limits/costRules.ts';

/** A field that carries an access rule, with the type it is selected on. */
export interface RuledField {
  node: FieldNode;
  typeName: string;
  rule: AccessRule;
}

/** What one operation of a parsed document is, worked out once for every request that sends it. */
export interface OperationAnalysis {
  /** Depth of the data graph's fields, and of the introspection below `__schema` and `__type`. */
  depth: number;
  introspectionDepth: number;
  aliases: number;
  /** Root fields, `__typename` aside. */
  rootFields: number;
  /** The estimated cost with these variables (only slicing arguments given as variables depend on them). */
  cost(variables: Record<string, unknown>): number;
  /** Fields with an access rule; none means access needs no work for any caller. */
  ruledFields: readonly RuledField[];
  /** Space for what is derived per caller class (access keeps its filtered documents here). */
  derived: Map<string, unknown>;
}

type Cost = number | ((variables: Record<string, unknown>, fragments: Map<string, number>) => number);

interface Walked {
  depth: number;
  introspectionDepth: number;
  cost: Cost;
  /** Fields at the top of this selection (fragments included), `__typename` aside. */
  fields: number;
}

/**
 * The gateway's one type-aware pass over an operation: depth, aliases, root fields, the cost
 * formula and the fields that carry access rules, cached by document (Apollo Server hands back the
 * same DocumentNode for the same text), so a request evaluates only its variables and its caller.
 * Fragments are walked once each, so a document that reuses them exponentially is analysed in
 * linear time and its cost comes out as large as it is. Introspection counts like any field; its
 * depth is measured apart, as introspection queries nest type references (`ofType`) deeper than
 * data queries nest.
 */
export function createOperationAnalyzer(model: CostModel, policy: AccessPolicy, options: CostOptions) {
  const cache = new WeakMap<DocumentNode, Map<OperationDefinitionNode, OperationAnalysis>>();
  return function analyzeOperation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
  ): OperationAnalysis {
    let byOperation = cache.get(document);
    if (!byOperation) {
      byOperation = new Map();
      cache.set(document, byOperation);
    }
    let analysis = byOperation.get(operation);
    if (!analysis) {
      analysis = analyze(schema, document, operation, costRules(schema, model, options), policy);
      byOperation.set(operation, analysis);
    }
    return analysis;
  };
}

export type OperationAnalyzer = ReturnType<typeof createOperationAnalyzer>;

function analyze(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rules: CostRules,
  policy: AccessPolicy,
): OperationAnalysis {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  const ruledFields: RuledField[] = [];
  let aliases = 0;
  const mutation = operation.operation === 'mutation';
  const walkedFragments = new Map<string, Walked>();

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, atRoot: boolean): Walked => {
    let depth = 0;
    let introspectionDepth = 0;
    let fields = 0;
    const costs: Cost[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) aliases++;
        const name = selection.name.value;
        if (name === '__typename') {
          depth = Math.max(depth, 1);
          continue;
        }
        fields++;
        const definition = fieldDefinition(schema, parent, atRoot, name);
        if (!definition) continue;
        if (!name.startsWith('__')) {
          const rule = policy.ruleFor(parent.name, name);
          if (rule) ruledFields.push({ node: selection, typeName: parent.name, rule });
        }
        const named = getNamedType(definition.type);
        const inner =
          selection.selectionSet && isCompositeType(named)
            ? walk(selection.selectionSet, named, false)
            : undefined;
        if (atRoot && name.startsWith('__'))
          introspectionDepth = Math.max(introspectionDepth, 1 + (inner?.depth ?? 0));
        else depth = Math.max(depth, 1 + (inner?.depth ?? 0));
        const weight = rules.weight(parent, definition, atRoot && mutation);
        const listed = isListType(isNonNullType(definition.type) ? definition.type.ofType : definition.type);
        const size = listed ? listSize(selection, definition, rules.listSize(parent, name)) : 1;
        costs.push(times(size, plus([weight, inner?.cost ?? 0])));
      } else {
        let walked: Walked | undefined;
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
          if (type && isCompositeType(type)) walked = walk(selection.selectionSet, type, atRoot);
        } else walked = spread(selection.name.value, atRoot);
        if (!walked) continue;
        depth = Math.max(depth, walked.depth);
        introspectionDepth = Math.max(introspectionDepth, walked.introspectionDepth);
        fields += walked.fields;
        costs.push(walked.cost);
      }
    }
    return { depth, introspectionDepth, cost: plus(costs), fields };
  };

  const spread = (name: string, atRoot: boolean): Walked | undefined => {
    const key = `${atRoot ? 'root:' : ''}${name}`;
    const known = walkedFragments.get(key);
    if (known) return known;
    const fragment = fragments.get(name);
    const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
    if (!fragment || !type || !isCompositeType(type)) return undefined;
    walkedFragments.set(key, { depth: 0, introspectionDepth: 0, cost: 0, fields: 0 }); // a cycle (refused by validation) ends here
    const walked = walk(fragment.selectionSet, type, atRoot);
    // Per request, a variable-dependent fragment is evaluated once, however often it is spread.
    const cost: Cost =
      typeof walked.cost === 'number'
        ? walked.cost
        : (variables, memo) => {
            let value = memo.get(key);
            if (value === undefined) {
              value = evaluate(walked.cost, variables, memo);
              memo.set(key, value);
            }
            return value;
          };
    const result = { ...walked, cost };
    walkedFragments.set(key, result);
    return result;
  };

  const listSize = (
    node: FieldNode,
    definition: GraphQLField<unknown, unknown>,
    declared: { assumedSize?: number; slicingArguments: string[] } | undefined,
  ): Cost => {
    const fallback = declared?.assumedSize ?? rules.defaultListSize;
    const slicing = (declared?.slicingArguments ?? []).map((argument) => {
      const given = node.arguments?.find((arg) => arg.name.value === argument)?.value;
      const defaultValue = definition.args.find((arg) => arg.name === argument)?.defaultValue;
      if (given?.kind === Kind.VARIABLE) {
        const variable = given.name.value;
        const declaredDefault = operation.variableDefinitions?.find(
          (d) => d.variable.name.value === variable,
        )?.defaultValue;
        const otherwise = literal(declaredDefault) ?? sizeOf(defaultValue);
        return (variables: Record<string, unknown>) => sizeOf(variables[variable]) ?? otherwise;
      }
      return given ? literal(given) : sizeOf(defaultValue);
    });
    if (slicing.every((size) => typeof size !== 'function')) {
      const sizes = slicing.filter((size): size is number => size !== undefined);
      return sizes.length > 0 ? Math.max(...sizes) : fallback;
    }
    return (variables) => {
      let largest: number | undefined;
      for (const size of slicing) {
        const value = typeof size === 'function' ? size(variables) : size;
        if (value !== undefined) largest = Math.max(largest ?? 0, value);
      }
      return largest ?? fallback;
    };
  };

  const walked = root
    ? walk(operation.selectionSet, root, true)
    : { depth: 0, introspectionDepth: 0, cost: 0, fields: 0 };
  const cost = walked.cost;
  return {
    depth: walked.depth,
    introspectionDepth: walked.introspectionDepth,
    aliases,
    rootFields: walked.fields,
    cost: typeof cost === 'number' ? () => cost : (variables) => evaluate(cost, variables, new Map()),
    ruledFields,
    derived: new Map(),
  };
}

function evaluate(cost: Cost, variables: Record<string, unknown>, fragments: Map<string, number>): number {
  return typeof cost === 'number' ? cost : cost(variables, fragments);
}

function plus(costs: Cost[]): Cost {
  let constant = 0;
  const variable: Exclude<Cost, number>[] = [];
  for (const cost of costs) {
    if (typeof cost === 'number') constant += cost;
    else variable.push(cost);
  }
  if (variable.length === 0) return constant;
  return (variables, fragments) => {
    let total = constant;
    for (const cost of variable) total += cost(variables, fragments);
    return total;
  };
}

function times(size: Cost, cost: Cost): Cost {
  if (typeof size === 'number' && typeof cost === 'number') return size * cost;
  return (variables, fragments) =>
    evaluate(size, variables, fragments) * evaluate(cost, variables, fragments);
}

const sizeOf = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.min(value, 1e6)) : undefined;

function literal(node: ValueNode | undefined): number | undefined {
  return node?.kind === Kind.INT || node?.kind === Kind.FLOAT ? sizeOf(Number(node.value)) : undefined;
}
