const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are PostgreSQL uuids. A string that is not one cannot name any row, so callers answer
 * "not found" without asking the database (which would reject it with a syntax error).
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
