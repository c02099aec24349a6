import type { GraphQLFormattedError } from 'graphql';
import { type DeferredFragment, PLACEHOLDER } from './splitDeferred.ts';

/** A GraphQL answer as JSON. */
export interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/** One entry of `incremental` (deferSpec=20220824): a deferred fragment's fields on one object. */
export interface IncrementalItem {
  data: Record<string, unknown> | null;
  path: (string | number)[];
  label?: string;
  errors?: GraphQLFormattedError[];
}

/**
 * A deferred fragment's entries, from the answer of the operation that kept it: one per object the
 * fragment applies to (each element of the lists on its path), holding the fragment's own fields,
 * and the errors under those fields. Errors without a path go to its first entry.
 */
export function fragmentPayload(fragment: DeferredFragment, result: GraphQLResult): IncrementalItem[] {
  const label = fragment.label !== undefined ? { label: fragment.label } : {};
  const items: IncrementalItem[] = [];
  for (const { path, object } of objectsAt(result.data ?? null, fragment.path, [])) {
    if (!fragment.keys.some((key) => key in object)) continue; // a type condition that did not match
    const data = Object.fromEntries(
      fragment.keys.filter((key) => key in object).map((key) => [key, object[key]]),
    );
    items.push({ data, path, ...label });
  }
  const errors = result.errors ?? [];
  const unplaced: GraphQLFormattedError[] = [];
  for (const error of errors) {
    const path = error.path;
    if (!path) {
      unplaced.push(error);
      continue;
    }
    const item = items.find(
      (candidate) =>
        candidate.path.every((segment, index) => path[index] === segment) &&
        fragment.keys.includes(String(path[candidate.path.length])),
    );
    // An error outside the fragment's fields belongs to the payload that selected that field.
    if (item) item.errors = [...(item.errors ?? []), error];
  }
  if (unplaced.length > 0) {
    const first = items[0];
    if (first) first.errors = [...unplaced, ...(first.errors ?? [])];
    else items.push({ data: null, path: [], errors: unplaced, ...label });
  }
  return items;
}

/** The objects at a path of response keys, each with its concrete path (list indexes included). */
function objectsAt(
  value: unknown,
  keys: string[],
  path: (string | number)[],
): { path: (string | number)[]; object: Record<string, unknown> }[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value))
    return value.flatMap((element, index) => objectsAt(element, keys, [...path, index]));
  if (typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  const [key, ...rest] = keys;
  if (key === undefined) return [{ path, object }];
  return objectsAt(object[key], rest, [...path, key]);
}

/** The answer without the placeholder `__typename`s of selections whose fields were all deferred. */
export function withoutPlaceholders<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPlaceholders) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== PLACEHOLDER)
      .map(([key, inner]) => [key, withoutPlaceholders(inner)]),
  ) as T;
}
