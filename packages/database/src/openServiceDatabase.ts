import { countStatement } from '@msd/service-kit';
import { createPgAdapter, type PgAdapterOptions } from './createPgAdapter.ts';

type QueryLog = [{ emit: 'event'; level: 'query' }];
type PrismaClientClass<TClient> = new (options: {
  adapter: ReturnType<typeof createPgAdapter>;
  log: QueryLog;
}) => TClient;

/**
 * Opens a service's own database with its own generated Prisma client, and counts every SQL
 * statement it sends (`db_statements_total{table}` on /metrics): batching is a claim we check.
 */
export function openServiceDatabase<TClient>(
  Client: PrismaClientClass<TClient>,
  url: string,
  options: PgAdapterOptions = {},
): TClient {
  const client = new Client({
    adapter: createPgAdapter(url, options),
    log: [{ emit: 'event', level: 'query' }],
  });
  (client as unknown as { $on(event: 'query', listener: typeof countStatement): void }).$on(
    'query',
    countStatement,
  );
  return client;
}
