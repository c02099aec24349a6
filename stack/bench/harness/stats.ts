/** Statistics of samples, one definition for every benchmark. */

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The p-quantile (`p` in [0, 1]) of ascending values, interpolated between the closest ranks: the
 * definition of PostgreSQL's `percentile_cont`, so a figure computed here equals one computed in SQL.
 * NaN without values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(1, Math.max(0, p)) * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] ?? Number.NaN;
  const above = sorted[Math.ceil(rank)] ?? Number.NaN;
  return below + (above - below) * (rank - Math.floor(rank));
}

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Count, p50 / p90 / p99 and max of unsorted samples (ms), rounded to 0.1. */
export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** The median of `pick` over `items`, rounded (undefined and non-finite values left out; NaN without any). */
export const medianOf = <T>(items: readonly T[], pick: (item: T) => number | undefined, digits = 2) =>
  round(median(items.map((item) => pick(item) ?? Number.NaN)), digits);

/** The median of the finite values; NaN without any. */
export const median = (values: readonly number[]) =>
  percentile(
    values.filter(Number.isFinite).sort((a, b) => a - b),
    0.5,
  );
