import {
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  getOperationAST,
  type InlineFragmentNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';

/** One `@defer`red fragment of an operation, where it sits and what it selects. */
export interface DeferredFragment {
  id: number;
  label: string | undefined;
  /** Response keys from the root to the object the fragment applies to (lists are crossed implicitly). */
  path: string[];
  /** The enclosing deferred fragment, whose payload must be delivered first. */
  parent: number | undefined;
  /** Response keys the fragment selects on that object. */
  keys: string[];
}

/** Response key of the `__typename` that keeps a selection valid when all it selects is deferred. */
export const PLACEHOLDER = '_deferPlaceholder';

/**
 * An operation with `@defer` taken apart for incremental delivery: its deferred fragments, and the
 * same operation with only some of them kept (inline, without `@defer`): none for the initial
 * payload, one fragment and its ancestors for that fragment's payload, all for the whole answer.
 * Fragment spreads are inlined first, so each deferred fragment is one node at one path.
 * No fragments when nothing is deferred (every `if:` false); undefined when the operation cannot be
 * found or a spread is unknown or cyclic (validation then refuses the request as sent).
 */
export function splitDeferred(
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
):
  | { fragments: DeferredFragment[]; keep: (kept: ReadonlySet<number>) => DocumentNode; mutation: boolean }
  | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const fragmentDefinitions = new Map(
    document.definitions
      .filter(
        (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((definition) => [definition.name.value, definition]),
  );
  const defaults = Object.fromEntries(
    (operation.variableDefinitions ?? []).map((definition) => [
      definition.variable.name.value,
      definition.defaultValue?.kind === Kind.BOOLEAN ? definition.defaultValue.value : undefined,
    ]),
  );
  const isActive = (defer: DirectiveNode) => {
    const condition = defer.arguments?.find((argument) => argument.name.value === 'if')?.value;
    if (!condition) return true;
    if (condition.kind === Kind.BOOLEAN) return condition.value;
    if (condition.kind === Kind.VARIABLE) {
      const name = condition.name.value;
      return (variables[name] ?? defaults[name]) !== false;
    }
    return true;
  };

  const fragments: DeferredFragment[] = [];
  const deferredNodes = new Map<InlineFragmentNode, number>();

  // Inlines spreads, drops inactive @defer, and numbers the active ones with their paths.
  const walk = (
    selectionSet: SelectionSetNode,
    path: string[],
    parent: number | undefined,
    spreads: string[],
  ): SelectionSetNode => {
    const selections = selectionSet.selections.map((selection): SelectionNode => {
      if (selection.kind === Kind.FIELD) {
        if (!selection.selectionSet) return selection;
        const key = selection.alias?.value ?? selection.name.value;
        return { ...selection, selectionSet: walk(selection.selectionSet, [...path, key], parent, spreads) };
      }
      let inline: InlineFragmentNode;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const definition = fragmentDefinitions.get(name);
        // Unknown or cyclic spreads are left for validation to refuse in the request as sent.
        if (!definition || spreads.includes(name)) throw new UnsplittableOperation();
        inline = {
          kind: Kind.INLINE_FRAGMENT,
          typeCondition: definition.typeCondition,
          directives: selection.directives ?? [],
          selectionSet: definition.selectionSet,
        };
        spreads = [...spreads, name];
      } else inline = selection;
      const defer = inline.directives?.find((directive) => directive.name.value === 'defer');
      const others = inline.directives?.filter((directive) => directive !== defer) ?? [];
      if (!defer || !isActive(defer)) {
        return {
          ...inline,
          directives: others,
          selectionSet: walk(inline.selectionSet, path, parent, spreads),
        };
      }
      const id = fragments.length;
      const label = defer.arguments?.find((argument) => argument.name.value === 'label')?.value;
      const fragment: DeferredFragment = {
        id,
        label: label?.kind === Kind.STRING ? label.value : undefined,
        path,
        parent,
        keys: [],
      };
      fragments.push(fragment);
      const node: InlineFragmentNode = {
        ...inline,
        directives: others,
        selectionSet: walk(inline.selectionSet, path, id, spreads),
      };
      fragment.keys = responseKeys(node.selectionSet, deferredNodes);
      deferredNodes.set(node, id);
      return node;
    });
    return { ...selectionSet, selections };
  };

  let selectionSet: SelectionSetNode;
  try {
    selectionSet = walk(operation.selectionSet, [], undefined, []);
  } catch (error) {
    if (error instanceof UnsplittableOperation) return undefined;
    throw error;
  }
  const inlined: OperationDefinitionNode = { ...operation, selectionSet };
  const keep = (kept: ReadonlySet<number>): DocumentNode => {
    const pruned = prune(inlined.selectionSet, deferredNodes, kept);
    // A variable only a removed `@defer(if:)` used would fail validation as unused.
    const used = new Set<string>();
    visit(pruned, {
      Variable(node) {
        used.add(node.name.value);
      },
    });
    const variableDefinitions = inlined.variableDefinitions?.filter((definition) =>
      used.has(definition.variable.name.value),
    );
    return {
      kind: Kind.DOCUMENT,
      definitions: [{ ...inlined, variableDefinitions, selectionSet: pruned }],
    };
  };
  return { fragments, keep, mutation: operation.operation !== 'query' };
}

class UnsplittableOperation extends Error {}

/** Response keys a selection set puts on its object, through inline fragments that are not deferred. */
function responseKeys(selectionSet: SelectionSetNode, deferred: Map<InlineFragmentNode, number>): string[] {
  const keys = new Set<string>();
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) keys.add(selection.alias?.value ?? selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT && !deferred.has(selection))
      for (const key of responseKeys(selection.selectionSet, deferred)) keys.add(key);
  }
  return [...keys];
}

/** The selection set without the deferred fragments not kept; an emptied selection keeps a placeholder. */
function prune(
  selectionSet: SelectionSetNode,
  deferred: Map<InlineFragmentNode, number>,
  kept: ReadonlySet<number>,
): SelectionSetNode {
  const selections: SelectionNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      selections.push(
        selection.selectionSet
          ? { ...selection, selectionSet: prune(selection.selectionSet, deferred, kept) }
          : selection,
      );
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const id = deferred.get(selection);
      if (id !== undefined && !kept.has(id)) continue;
      selections.push({ ...selection, selectionSet: prune(selection.selectionSet, deferred, kept) });
    }
  }
  if (selections.length === 0)
    selections.push({
      kind: Kind.FIELD,
      alias: { kind: Kind.NAME, value: PLACEHOLDER },
      name: { kind: Kind.NAME, value: '__typename' },
    });
  return { ...selectionSet, selections };
}
