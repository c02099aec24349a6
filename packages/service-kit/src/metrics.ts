import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per process: every service is its own process, so its metrics are its own. */
export const metrics = new Registry();
collectDefaultMetrics({ register: metrics });

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests served, by route and status',
  labelNames: ['route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metrics],
});

/** SQL statements sent to this service's own database, by table: the proof that reads are batched. */
export const dbStatements = new Counter({
  name: 'db_statements_total',
  help: 'SQL statements sent to the service database, by table',
  labelNames: ['table'] as const,
  registers: [metrics],
});

const TABLE = /\b(?:FROM|INTO|UPDATE|JOIN)\s+(?:"[^"]+"\.)?"?([A-Za-z0-9_]+)"?/i;

/** Counts one SQL statement by the first table it names; fed by Prisma's query events. */
export function countStatement(event: { query: string }): void {
  dbStatements.inc({ table: TABLE.exec(event.query)?.[1] ?? 'other' });
}

/**
 * Entity representations a subgraph was asked to resolve (`_entities`), by type: with the gateway
 * deduplicating, one per distinct entity of a fetch, however many times the answer uses it.
 */
export const entityRepresentations = new Counter({
  name: 'subgraph_entity_representations_total',
  help: 'Entity representations received in _entities fetches, by service and type',
  labelNames: ['service', 'type'] as const,
  registers: [metrics],
});
