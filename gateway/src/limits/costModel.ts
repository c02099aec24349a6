import { type ConstDirectiveNode, type ConstValueNode, Kind, parse } from 'graphql';

/** The demand-control directives of the supergraph, by field coordinate and type. */
export interface CostModel {
  /** `@cost(weight)` on a field (`Type.field`) or a type (`Type`). */
  weights: ReadonlyMap<string, number>;
  /** `@listSize` on a field. */
  listSizes: ReadonlyMap<string, { assumedSize?: number; slicingArguments: string[] }>;
}

/**
 * Reads `@cost` and `@listSize` (https://specs.apollo.dev/cost/v0.1, federation 2.9) from the
 * composed supergraph: each subgraph declares the cost of its own fields, and composition carries
 * the directives through, under the names the supergraph's `@link` gives them.
 */
export function readCostModel(supergraphSdl: string): CostModel {
  const document = parse(supergraphSdl);
  let costName = 'cost';
  let listSizeName = 'cost__listSize';
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringOf(argument(link, 'url'));
      if (!url?.startsWith('https://specs.apollo.dev/cost/')) continue;
      const prefix = stringOf(argument(link, 'as')) ?? 'cost';
      costName = prefix;
      listSizeName = `${prefix}__listSize`;
      const imports = argument(link, 'import');
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        if (stringOf(entry) === '@listSize') listSizeName = 'listSize';
        if (entry.kind === Kind.OBJECT) {
          const name = entry.fields.find((f) => f.name.value === 'name')?.value;
          const as = entry.fields.find((f) => f.name.value === 'as')?.value;
          if (stringOf(name) === '@listSize' && stringOf(as))
            listSizeName = (stringOf(as) as string).slice(1);
          if (stringOf(name) === '@cost' && stringOf(as)) costName = (stringOf(as) as string).slice(1);
        }
      }
    }
  }
  const weights = new Map<string, number>();
  const listSizes = new Map<string, { assumedSize?: number; slicingArguments: string[] }>();
  const weightOf = (directives: readonly ConstDirectiveNode[] | undefined) => {
    const cost = directives?.find((d) => d.name.value === costName);
    const weight = cost ? argument(cost, 'weight') : undefined;
    return weight?.kind === Kind.INT ? Number(weight.value) : undefined;
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION)
      continue;
    const typeWeight = weightOf(definition.directives);
    if (typeWeight !== undefined) weights.set(definition.name.value, typeWeight);
    for (const field of definition.fields ?? []) {
      const coordinate = `${definition.name.value}.${field.name.value}`;
      const weight = weightOf(field.directives);
      if (weight !== undefined) weights.set(coordinate, weight);
      const listSize = field.directives?.find((d) => d.name.value === listSizeName);
      if (!listSize) continue;
      const assumed = argument(listSize, 'assumedSize');
      const slicing = argument(listSize, 'slicingArguments');
      listSizes.set(coordinate, {
        ...(assumed?.kind === Kind.INT ? { assumedSize: Number(assumed.value) } : {}),
        slicingArguments:
          slicing?.kind === Kind.LIST
            ? slicing.values.map(stringOf).filter((s): s is string => s !== undefined)
            : [],
      });
    }
  }
  return { weights, listSizes };
}

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((arg) => arg.name.value === name)?.value;
}

function stringOf(value: ConstValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}
