/** What a subgraph needs from its database beyond queries: a readiness probe and a clean close. */
export function databaseLifecycle(db: {
  $queryRaw(query: TemplateStringsArray): Promise<unknown>;
  $disconnect(): Promise<void>;
}) {
  return {
    readyChecks: { database: () => db.$queryRaw`SELECT 1` },
    onStop: () => db.$disconnect(),
  };
}
