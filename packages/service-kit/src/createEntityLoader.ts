import DataLoader from 'dataloader';
import { isUuid } from './isUuid.ts';

/**
 * A per-request loader of entities by id: every `load` in one tick becomes one `fetchByIds` call,
 * so N references cost one SQL statement. DataLoader requires results in key order, one per key,
 * so rows are re-ordered by id here and a key with no row (or one that is not a uuid at all)
 * gets `null` instead of shifting every later result onto the wrong key.
 */
export function createEntityLoader<TEntity>(
  fetchByIds: (ids: readonly string[]) => Promise<TEntity[]>,
  idOf: (row: TEntity) => string = (row) => (row as { id: string }).id,
): DataLoader<string, TEntity | null> {
  return new DataLoader(async (keys) => {
    const ids = [...new Set(keys.filter(isUuid))];
    const rows = ids.length > 0 ? await fetchByIds(ids) : [];
    const byId = new Map(rows.map((row) => [idOf(row), row]));
    return keys.map((key) => byId.get(key) ?? null);
  });
}

/**
 * A per-request loader of a one-to-many relation (an order's items, a product's stock rows):
 * one `fetchByKeys` call for all parents in the tick, grouped back per parent in key order.
 */
export function createGroupLoader<TRow>(
  fetchByKeys: (keys: readonly string[]) => Promise<TRow[]>,
  keyOf: (row: TRow) => string,
): DataLoader<string, TRow[]> {
  return new DataLoader(async (keys) => {
    const valid = [...new Set(keys.filter(isUuid))];
    const rows = valid.length > 0 ? await fetchByKeys(valid) : [];
    const groups = new Map<string, TRow[]>();
    for (const row of rows) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}
