import { type Change, CriticalityLevel, diff } from '@graphql-inspector/core';
import {
  type DocumentNode,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  Kind,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { apiSchemaOf } from './apiSchemaOf.ts';

/** A registered client operation: its manifest hash and document. */
export interface RegisteredOperation {
  hash: string;
  document: string;
}

export type ChangeClass = 'breaking' | 'dangerous' | 'safe';

export interface ClassifiedChange {
  class: ChangeClass;
  /** graphql-inspector's change type, e.g. `FIELD_REMOVED`. */
  type: string;
  /** The schema coordinate the change is about, e.g. `Product.name` or `Query.products.first`. */
  path: string | undefined;
  message: string;
  /** Names of the registered operations that use what changed (for breaking and dangerous changes). */
  operations: string[];
}

export interface SchemaCheckReport {
  changes: ClassifiedChange[];
  /** Registered operations that no longer validate against the new API schema, with why. */
  invalidOperations: { operation: string; errors: string[] }[];
  operationCount: number;
  /** True when nothing breaking changed and every registered operation still validates. */
  passed: boolean;
}

const classOf: Record<CriticalityLevel, ChangeClass> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/**
 * Compares the API schema of a newly composed supergraph with the API schema of the one clients
 * run against today (graphql-inspector classifies each change), finds which registered client
 * operations use each breaking or dangerous change (by the schema coordinates each operation
 * touches in the old schema), and validates every registered operation against the new schema.
 */
export async function checkSchema(options: {
  baseSupergraph: string;
  newSupergraph: string;
  operations: readonly RegisteredOperation[];
}): Promise<SchemaCheckReport> {
  const before = apiSchemaOf(options.baseSupergraph);
  const after = apiSchemaOf(options.newSupergraph);
  const operations = options.operations.map(({ hash, document }) => {
    const ast = parse(document);
    return { name: operationName(ast) ?? hash.slice(0, 12), ast, uses: coordinatesUsed(before, ast) };
  });
  const changes = (await diff(before, after)).map((change: Change): ClassifiedChange => {
    const changeClass = classOf[change.criticality.level];
    return {
      class: changeClass,
      type: change.type,
      path: change.path,
      message: change.message,
      operations:
        changeClass === 'safe' || !change.path
          ? []
          : operations
              .filter(({ uses }) => touches(before, uses, change.path as string))
              .map(({ name }) => name),
    };
  });
  const invalidOperations = operations.flatMap(({ name, ast }) => {
    const errors = validate(after, ast);
    return errors.length ? [{ operation: name, errors: errors.map((error) => error.message) }] : [];
  });
  return {
    changes,
    invalidOperations,
    operationCount: operations.length,
    passed: !changes.some((change) => change.class === 'breaking') && invalidOperations.length === 0,
  };
}

function operationName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) return definition.name.value;
  return undefined;
}

/** Every coordinate an operation touches: `Type.field` it selects, and every type it names (outputs, inputs, enums). */
function coordinatesUsed(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        used.add(`${parent.name}.${field.name}`);
        used.add(getNamedType(field.type).name);
        for (const arg of field.args) used.add(getNamedType(arg.type).name);
      },
      VariableDefinition() {
        const type = typeInfo.getInputType();
        if (type) used.add(getNamedType(type).name);
      },
    }),
  );
  return used;
}

/**
 * Whether a change at `path` hits an operation: `Product.name` one that selects it,
 * `Query.products.first` (an argument) one that selects the field, `OrderStatus.PLACED` or
 * `PlaceOrderInput.items` one that uses the enum or input type, `Product` one that uses the type.
 */
function touches(schema: GraphQLSchema, uses: Set<string>, path: string): boolean {
  const [type, field] = path.split('.') as [string, string | undefined];
  if (uses.has(path)) return true;
  if (field === undefined) return uses.has(type);
  if (path.split('.').length > 2) return uses.has(`${type}.${field}`);
  const named = schema.getType(type);
  return (isEnumType(named) || isInputObjectType(named)) && uses.has(type);
}
