/**
 * A benchmark's output: its raw results, written to `stack/bench/results/`, and its report, printed
 * as lines and tables under a header that says what ran, on what, and where the results went.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Environment, loadavg } from './machine.ts';
import type { BenchOptions } from './options.ts';
import type { BenchRun } from './run.ts';

export type Cell = string | number | boolean | null | undefined;

export interface Table {
  headers: readonly string[];
  rows: readonly (readonly Cell[])[];
}

/** What a report prints, top to bottom: a line of text (a heading, a verdict) or a table. */
export type ReportBlock = string | Table;

export const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

const cell = (value: Cell) =>
  value === null || value === undefined
    ? ''
    : typeof value === 'boolean'
      ? value
        ? 'yes'
        : 'NO'
      : typeof value === 'number' && !Number.isFinite(value)
        ? 'n/a'
        : String(value);

/** A table of `items`, one row each: `spec` maps each column's header to its cell. */
export function columns<T>(items: readonly T[], spec: Record<string, (item: T) => Cell>): Table {
  const cells = Object.values(spec);
  return { headers: Object.keys(spec), rows: items.map((item) => cells.map((cellOf) => cellOf(item))) };
}

/** A GitHub-flavoured markdown table; numeric columns right-aligned. */
export function markdownTable({ headers, rows }: Table): string {
  const numeric = headers.map((_, i) => rows.every((row) => typeof row[i] === 'number'));
  const line = (row: readonly Cell[]) =>
    `| ${row.map((value) => cell(value).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join(
    '\n',
  );
}

/** Columns under their headers: numbers right-aligned, text left-aligned. */
export function formatTable({ headers, rows }: Table): string {
  const cells = [headers, ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const numeric = headers.map((_, i) => rows.every((row) => typeof row[i] !== 'string'));
  const line = (row: readonly string[]) =>
    row
      .map((text, i) => (numeric[i] ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export interface Published<R> {
  benchmark: string;
  startedAt: string;
  finishedAt: string;
  /** `standard`: the full configuration; anything else is a check of the script or an experiment. */
  configuration: 'standard' | 'quick' | 'custom';
  config: object;
  environment: Environment & { loadavgAfter: string };
  results: R;
}

/**
 * Writes the raw results, then prints the report. A run of the standard configuration replaces
 * `results/<name>.json` (kept in git: the latest full run); any other writes `results/<name>-custom.json`
 * (ignored by git). Returns the file written.
 */
export function publish<R extends object, C extends Record<string, number | readonly number[]>>(
  run: BenchRun,
  options: BenchOptions<C>,
  environment: Environment,
  results: R,
  report: { title: string; blocks: readonly ReportBlock[] },
): string {
  const published: Published<R> = {
    benchmark: run.name,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    configuration: options.standard ? 'standard' : options.quick ? 'quick' : 'custom',
    config: options.config,
    environment: { ...environment, loadavgAfter: loadavg() },
    results,
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, options.standard ? `${run.name}.json` : `${run.name}-custom.json`);
  writeFileSync(file, `${JSON.stringify(published, null, 2)}\n`);

  const e = published.environment;
  const lines = [
    '',
    report.title,
    `(${published.configuration} configuration; ${e.nproc} cores ${e.cpuModel}, node ${e.node}, PostgreSQL ${e.postgres}, Redis ${e.redis}; load average before ${e.loadavgBefore}, after ${e.loadavgAfter})`,
    ...report.blocks.map((block) => (typeof block === 'string' ? block : formatTable(block))),
    '',
    `raw results: ${path.relative(process.cwd(), file)}`,
  ];
  console.log(lines.join('\n'));
  return file;
}
