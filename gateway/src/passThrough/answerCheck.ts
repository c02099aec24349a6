import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  type GraphQLLeafType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  GraphQLString,
  getOperationAST,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** True when @apollo/gateway's result shaping would give back `value` as it is. */
export type AnswerCheck = (value: unknown) => boolean;

/** What @apollo/gateway's result shaping makes of merged data, or `undefined` when it would report an error. */
export type AnswerShape = (data: Record<string, unknown>) => Record<string, unknown> | undefined;

/** Thrown inside a shape: the shaping would report an error here (the executor's own path answers). */
const shapingError = Symbol('shaping error');
type Shape = (value: unknown) => unknown;

/** The operation cannot be checked this way: its answer always goes through the shaping. */
class NotForwardable extends Error {}

/** What `isValidLeafValue` of @apollo/federation-internals accepts as an integer (Int, ID). */
const integerString = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * Compiles, for one query (or mutation) of the API schema, the check that a subgraph's `data` already is the
 * client's answer: the test that @apollo/gateway's `computeResponse` (its result shaping) would
 * copy every value and change none, so the object serializes to the same bytes.
 *
 * It mirrors that shaping for the operations it accepts, and accepts only those whose shaping can
 * do nothing but copy, validate and null: object types all the way down (no interface or union, so
 * no `__typename` to resolve and no fragment to prune), fragments on the very type they are spread
 * in, no directive on any selection (no `@skip`/`@include` for the gateway to apply), no
 * introspection. The data then passes when each object has exactly the response keys the
 * selection names, in its order (field merging included); each `__typename` names its type; no
 * non-null position holds null; each leaf is one `isValidLeafValue` accepts (an enum value of the
 * API schema: an `@inaccessible` one fails; an Int or ID number an integer; a Float a finite
 * number; custom scalars anything). Anything else, `undefined`: not forwardable.
 */
export function compileAnswerCheck(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): { check: AnswerCheck; shape: AnswerShape; operation: OperationDefinitionNode } | undefined {
  const operation = getOperationAST(document, operationName);
  const root =
    operation?.operation === 'query'
      ? schema.getQueryType()
      : operation?.operation === 'mutation'
        ? schema.getMutationType()
        : undefined;
  if (!operation || !root || operation.directives?.length) return undefined;
  const fragments = new Map(
    document.definitions
      .filter(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((fragment) => [fragment.name.value, fragment]),
  );
  try {
    const compiled = compileObject(root, [operation.selectionSet], fragments);
    const shape: AnswerShape = (data) => {
      try {
        return compiled.shape(data) as Record<string, unknown>;
      } catch (error) {
        if (error === shapingError) return undefined;
        throw error;
      }
    };
    return { check: compiled.check, shape, operation };
  } catch (error) {
    if (error instanceof NotForwardable) return undefined;
    throw error;
  }
}

/** The fields of an object type's selection sets by response key, in first-occurrence order (graphql-js's field merging). */
function collectFields(
  type: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
  into = new Map<string, FieldNode[]>(),
  spread = new Set<string>(),
): Map<string, FieldNode[]> {
  for (const selectionSet of selectionSets)
    for (const selection of selectionSet.selections) {
      if (selection.directives?.length) throw new NotForwardable();
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const fields = into.get(key);
        if (fields) fields.push(selection);
        else into.set(key, [selection]);
        continue;
      }
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) throw new NotForwardable();
      if (fragment.typeCondition && fragment.typeCondition.name.value !== type.name)
        throw new NotForwardable();
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        if (spread.has(selection.name.value)) continue;
        spread.add(selection.name.value);
      }
      collectFields(type, [fragment.selectionSet], fragments, into, spread);
    }
  return into;
}

/** What one position of the answer compiles to: the check that the data is the answer there, and its shaping. */
interface CompiledPosition {
  check: AnswerCheck;
  shape: Shape;
}

/**
 * One walk of the type and the selection compiles both. The check: each object has exactly the
 * selected keys in their order, each value passes its field's check. The shaping: the output
 * object built key by key in selection order from the merged data (a key the data lacks is null),
 * leaves copied when valid. Wherever `computeResponse` would report an error (null in a non-null position, an invalid leaf, a
 * list that is not one) or might read a type from the data (`__typename` other than the field's
 * type), it gives up (`shapingError`): the request then takes @apollo/gateway's own path.
 */
function compileObject(
  type: GraphQLObjectType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
): CompiledPosition {
  const keys: string[] = [];
  const fields: (CompiledPosition | undefined)[] = [];
  for (const [key, nodes] of collectFields(type, selectionSets, fragments)) {
    const name = (nodes[0] as FieldNode).name.value;
    keys.push(key);
    if (name === '__typename') {
      fields.push(undefined);
      continue;
    }
    const definition = type.getFields()[name];
    if (!definition) throw new NotForwardable(); // __schema, __type
    const selections = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
    fields.push(compileValue(definition.type, selections, fragments));
  }
  const count = keys.length;
  const check: AnswerCheck = (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    let index = 0;
    for (const key in value) {
      if (index === count || key !== keys[index]) return false;
      const own = (value as Record<string, unknown>)[key];
      const field = fields[index];
      if (field === undefined ? own !== type.name : !field.check(own)) return false;
      index++;
    }
    return index === count;
  };
  const shape: Shape = (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw shapingError;
    const input = value as Record<string, unknown>;
    if (input.__typename !== undefined && input.__typename !== type.name) throw shapingError;
    const output: Record<string, unknown> = {};
    for (let index = 0; index < count; index++) {
      const key = keys[index] as string;
      const own = Object.hasOwn(input, key) ? input[key] : undefined;
      const field = fields[index];
      if (field === undefined) {
        if (own != null && own !== type.name) throw shapingError;
        output[key] = type.name;
      } else output[key] = field.shape(own ?? null);
    }
    return output;
  };
  return { check, shape };
}

function compileValue(
  type: GraphQLOutputType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
): CompiledPosition {
  if (isNonNullType(type)) {
    const inner = compileValue(type.ofType, selectionSets, fragments);
    return {
      check: (value) => value !== null && inner.check(value),
      shape: (value) => {
        if (value === null) throw shapingError;
        return inner.shape(value);
      },
    };
  }
  if (isListType(type)) {
    const element = compileValue(type.ofType, selectionSets, fragments);
    return {
      check: (value) => value === null || (Array.isArray(value) && value.every(element.check)),
      shape: (value) => {
        if (value === null) return null;
        if (!Array.isArray(value)) throw shapingError;
        return value.map((item) => element.shape(item ?? null));
      },
    };
  }
  if (isObjectType(type)) {
    const object = compileObject(type, selectionSets, fragments);
    return {
      check: (value) => value === null || object.check(value),
      shape: (value) => (value === null ? null : object.shape(value)),
    };
  }
  if (selectionSets.length > 0) throw new NotForwardable(); // an interface or a union
  const leaf = leafCheck(type as GraphQLLeafType);
  return {
    check: (value) => value === null || leaf(value),
    shape: (value) => {
      if (value === null) return null;
      if (!leaf(value)) throw shapingError;
      return value;
    },
  };
}

/** `isValidLeafValue` of @apollo/federation-internals, which the shaping applies to every leaf. */
function leafCheck(type: GraphQLLeafType): AnswerCheck {
  if (isEnumType(type)) {
    const values = new Set(type.getValues().map((value) => value.name));
    return (value) => typeof value === 'string' && values.has(value);
  }
  const integer = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && integerString.test(String(value));
  switch (type.name) {
    case GraphQLBoolean.name:
      return (value) => typeof value === 'boolean';
    case GraphQLInt.name:
      return integer;
    case GraphQLID.name:
      return (value) => typeof value === 'string' || integer(value);
    case GraphQLFloat.name:
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case GraphQLString.name:
      return (value) => typeof value === 'string';
    default:
      return (value) => value !== undefined; // a custom scalar: any value
  }
}
