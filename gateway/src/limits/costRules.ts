import {
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
} from 'graphql';
import type { CostModel } from './costModel.ts';

export interface CostOptions {
  /** Size assumed for a list field without @listSize, or whose slicing argument is not given. */
  defaultListSize: number;
  /** Weight of a mutation root field without @cost: a write costs more than a read. */
  mutationWeight: number;
}

/** What a field's list holds: the declared slicing arguments and assumed size, if any. */
export interface DeclaredListSize {
  assumedSize?: number;
  slicingArguments: string[];
}

/**
 * The one rule set of the estimated and the actual cost (the IBM GraphQL cost spec's, with the
 * supergraph's @cost and @listSize): a field weighs its own `@cost`, else that of an interface
 * field it implements, else its type's, else a mutation root field `mutationWeight`, any other
 * object 1 and a leaf 0. Selected on an abstract type, a field weighs the most any of its object
 * types gives it, so that the estimate never falls below what an answer can cost.
 */
export interface CostRules {
  weight(parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, mutationRoot: boolean): number;
  listSize(parent: GraphQLCompositeType, fieldName: string): DeclaredListSize | undefined;
  defaultListSize: number;
}

const rulesBySchema = new WeakMap<GraphQLSchema, WeakMap<CostModel, CostRules>>();

export function costRules(schema: GraphQLSchema, model: CostModel, options: CostOptions): CostRules {
  let byModel = rulesBySchema.get(schema);
  if (!byModel) {
    byModel = new WeakMap();
    rulesBySchema.set(schema, byModel);
  }
  let rules = byModel.get(model);
  if (!rules) {
    rules = createCostRules(schema, model, options);
    byModel.set(model, rules);
  }
  return rules;
}

function createCostRules(schema: GraphQLSchema, model: CostModel, options: CostOptions): CostRules {
  const introspectionSizes = introspectionListSizes(schema);
  const declaredWeight = (type: GraphQLCompositeType, fieldName: string): number | undefined => {
    const own = model.weights.get(`${type.name}.${fieldName}`);
    if (own !== undefined || !isObjectType(type)) return own;
    for (const implemented of type.getInterfaces()) {
      const inherited = model.weights.get(`${implemented.name}.${fieldName}`);
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  };
  const objectWeight = (
    type: GraphQLCompositeType,
    field: GraphQLField<unknown, unknown>,
    mutationRoot: boolean,
  ): number => {
    const named = getNamedType(field.type);
    return (
      declaredWeight(type, field.name) ??
      model.weights.get(named.name) ??
      (mutationRoot ? options.mutationWeight : isCompositeType(named) ? 1 : 0)
    );
  };
  return {
    defaultListSize: options.defaultListSize,
    weight(parent, field, mutationRoot) {
      // A type reference's `ofType` chain ends at its named type within a few wrappers: free.
      if (parent.name === '__Type' && field.name === 'ofType') return 0;
      if (isObjectType(parent)) return objectWeight(parent, field, mutationRoot);
      let most = isInterfaceType(parent) ? objectWeight(parent, field, mutationRoot) : 0;
      for (const possible of schema.getPossibleTypes(parent)) {
        const own = possible.getFields()[field.name];
        if (own) most = Math.max(most, objectWeight(possible, own, mutationRoot));
      }
      return most;
    },
    listSize(parent, fieldName) {
      const coordinate = `${parent.name}.${fieldName}`;
      const introspection = introspectionSizes.get(coordinate);
      if (introspection !== undefined) return { assumedSize: introspection, slicingArguments: [] };
      const declared = model.listSizes.get(coordinate);
      if (declared || isObjectType(parent)) return declared;
      // On an abstract type: the largest any of its object types declares.
      let largest: DeclaredListSize | undefined;
      for (const possible of schema.getPossibleTypes(parent)) {
        const own = model.listSizes.get(`${possible.name}.${fieldName}`);
        if (own && (own.assumedSize ?? 0) >= (largest?.assumedSize ?? 0)) largest = own;
      }
      return largest;
    },
  };
}

/**
 * Introspection answers come from the schema in memory, so their lists are as long as the schema
 * makes them: the types and directives it has, and per type (or field) the average of what each
 * holds, so that a whole-schema walk (GraphiQL's or Sandbox's introspection) is estimated at about
 * the objects it returns, and each re-expansion (`types { fields { type { fields ... } } }`)
 * multiplies as its answer does.
 */
function introspectionListSizes(schema: GraphQLSchema): Map<string, number> {
  const types = Object.values(schema.getTypeMap());
  const average = (counts: number[]) =>
    Math.max(1, Math.ceil(counts.reduce((sum, n) => sum + n, 0) / Math.max(1, counts.length)));
  const fieldsOf = types.flatMap((type) =>
    isObjectType(type) || isInterfaceType(type) ? [Object.values(type.getFields())] : [],
  );
  const directives = schema.getDirectives();
  return new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', average(fieldsOf.map((fields) => fields.length))],
    [
      '__Type.interfaces',
      average(types.map((type) => (isObjectType(type) ? type.getInterfaces().length : 0))),
    ],
    [
      '__Type.possibleTypes',
      average(
        types.flatMap((t) =>
          isCompositeType(t) && !isObjectType(t) ? [schema.getPossibleTypes(t).length] : [],
        ),
      ),
    ],
    ['__Type.enumValues', average(types.flatMap((t) => ('getValues' in t ? [t.getValues().length] : [])))],
    [
      '__Type.inputFields',
      average(
        types.flatMap((t) =>
          'getFields' in t && !isCompositeType(t) ? [Object.keys(t.getFields()).length] : [],
        ),
      ),
    ],
    ['__Field.args', average(fieldsOf.flat().map((field) => field.args.length))],
    ['__Directive.args', average(directives.map((directive) => directive.args.length))],
  ]);
}

/** A field's definition where it is selected, the root's introspection fields included. */
export function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  atRoot: boolean,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (atRoot && parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return 'getFields' in parent ? parent.getFields()[name] : undefined;
}
