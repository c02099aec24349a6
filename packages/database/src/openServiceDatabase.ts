import { countStatement } from '@msd/service-kit';
import type pg from 'pg';
import { createPgAdapter, createServicePool, type PgAdapterOptions } from './createPgAdapter.ts';

type QueryLog = [{ emit: 'event'; level: 'query' }];
type PrismaClientClass<TClient> = new (options: {
  adapter: ReturnType<typeof createPgAdapter>;
  log: QueryLog;
}) => TClient;

/** One SQL statement as node-postgres takes it; a `name` makes it prepared once per connection. */
export interface SqlStatement {
  name?: string;
  text: string;
  values?: unknown[];
}

/** Plain SQL on a service's pool: what a hot path uses where Prisma would cost several round trips. */
export interface PlainSql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(statement: SqlStatement): Promise<{ rows: R[] }>;
}

const pools = new WeakMap<object, pg.Pool>();

/**
 * Opens a service's own database with its own generated Prisma client, and counts every SQL
 * statement it sends (`db_statements_total{table}` on /metrics): batching is a claim we check.
 */
export function openServiceDatabase<TClient extends object>(
  Client: PrismaClientClass<TClient>,
  url: string,
  options: PgAdapterOptions = {},
): TClient {
  const pool = createServicePool(url, options);
  const client = new Client({ adapter: createPgAdapter(pool), log: [{ emit: 'event', level: 'query' }] });
  (client as unknown as { $on(event: 'query', listener: typeof countStatement): void }).$on(
    'query',
    countStatement,
  );
  pools.set(client, pool);
  return client;
}

/**
 * Plain SQL on the same pool (and connection budget) as a database opened by `openServiceDatabase`,
 * counted in `db_statements_total` like Prisma's statements. Closed with the Prisma client.
 */
export function plainSql(db: object): PlainSql {
  const pool = pools.get(db);
  if (!pool) throw new Error('plainSql: not a database opened by openServiceDatabase');
  return {
    query(statement) {
      countStatement({ query: statement.text });
      return pool.query(statement);
    },
  };
}
