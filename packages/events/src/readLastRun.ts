interface SqlReader {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: unknown[]): Promise<T>;
}

/** One run of a reconciliation (or of a reactions' anti-entropy), as `replicationStatus` shows it. */
export interface RunRecord {
  startedAt: string;
  finishedAt: string | null;
  checked: number;
  repaired: number;
  error: string | null;
}

/** The latest `reconciliation_runs` row of a copy or reaction, or null before its first run. */
export async function readLastRun(db: SqlReader, copy: string): Promise<RunRecord | null> {
  const [run] = await db.$queryRaw<
    { started_at: Date; finished_at: Date | null; checked: number; repaired: number; error: string | null }[]
  >`SELECT started_at, finished_at, checked, repaired, error FROM reconciliation_runs
    WHERE copy = ${copy} ORDER BY started_at DESC LIMIT 1`;
  return run
    ? {
        startedAt: run.started_at.toISOString(),
        finishedAt: run.finished_at?.toISOString() ?? null,
        checked: run.checked,
        repaired: run.repaired,
        error: run.error,
      }
    : null;
}
