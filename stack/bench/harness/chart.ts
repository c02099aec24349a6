/**
 * Charts for the benchmark reports: Vega-Lite specifications compiled and rendered to
 * self-contained SVG by Vega's headless view (no browser, no canvas), so the docs hold vector charts
 * drawn from the figures of the run that wrote them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { resultsDir } from './report.ts';

/** The SVG of `spec` (data inline in the spec, as `data: { values }`). */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Draws each chart (by file name, without `.svg`): into docs/images/ for a run of the standard
 * configuration, else into results/ as `<name>-custom.svg` (ignored by git). Returns the files.
 */
export async function writeCharts(specs: Record<string, TopLevelSpec>, standard: boolean): Promise<string[]> {
  const dir = standard ? path.join(repoRoot, 'docs', 'images') : resultsDir;
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const file = path.join(dir, standard ? `${name}.svg` : `${name}-custom.svg`);
    writeFileSync(file, await renderChartSvg(spec));
    files.push(file);
  }
  return files;
}
