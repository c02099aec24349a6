import { OUTBOX_CHANNEL } from './appendToOutbox.ts';

/** One SQL statement as node-postgres takes it; a `name` makes it prepared once per connection. */
export interface SqlStatement {
  name?: string;
  text: string;
  values?: unknown[];
}

/** Plain SQL in autocommit (a service's `plainSql(db)`, or a pg.Pool): one statement, one round trip. */
export interface PlainSql {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    statement: SqlStatement,
  ): Promise<{ rows: R[] }>;
}

/**
 * An effect as common table expressions of the one statement that also records the event in the
 * consumer's inbox. The consumer writes `WITH inbox AS (...), <ctes> SELECT <outcome>`: `inbox`
 * holds a row only when this consumer had not recorded the event, so every CTE that changes
 * something is guarded by `EXISTS (SELECT FROM inbox)`; `outcome` is an SQL expression, 'applied'
 * or 'stale'. The effect's parameters are `$5` onwards (`$1`–`$4` are the inbox's). The text is the
 * same for every event (it is prepared once per connection); only `values` vary.
 */
export interface EffectStatement {
  ctes: string;
  outcome: string;
  values: unknown[];
}

/**
 * The body of a CTE that appends rows to the outbox, in the statement that changed the data they
 * announce: `rows` is a SELECT of (id, type, aggregate_id, version, payload, trace_context). Like
 * `appendToOutbox`, an id appended again is re-sent, and the relay is woken (NOTIFY, at commit).
 */
export function outboxAppend(rows: string): string {
  return `INSERT INTO outbox_events (id, type, aggregate_id, version, payload, trace_context)
    ${rows}
    ON CONFLICT (id) DO UPDATE SET published_at = NULL
    RETURNING id, pg_notify('${OUTBOX_CHANNEL}', '')`;
}
