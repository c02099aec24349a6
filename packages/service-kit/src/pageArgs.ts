import { badUserInput } from './errors.ts';
import { isUuid } from './isUuid.ts';

export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  take: number;
  afterId: string | undefined;
}

/**
 * Validates `first`/`after` list arguments. Lists are returned in id order, and ids are UUIDv7
 * (time-ordered), so `after` is simply the id of the last item of the previous page: keyset
 * pagination, stable under concurrent inserts, with no cursor format to learn.
 */
export function pageArgs(args: { first?: number | null; after?: string | null }): PageArgs {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`"first" must be between 0 and ${MAX_PAGE_SIZE}`, { argument: 'first' });
  }
  if (args.after != null && !isUuid(args.after)) {
    throw badUserInput('"after" must be the id of an item from a previous page', { argument: 'after' });
  }
  return { take: first, afterId: args.after ?? undefined };
}
