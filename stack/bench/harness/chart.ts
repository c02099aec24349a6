/**
 * Charts for the benchmark reports: a Vega-Lite specification compiled and rendered to a
 * self-contained SVG string by Vega's headless view (no browser, no canvas), so the docs hold
 * vector charts drawn from the figures of the run that wrote them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The SVG of `spec` (data inline in the spec, as `data: { values }`). */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders `spec` into `file` (an `.svg` path; folders made as needed) and returns the path. */
export async function writeChartSvg(file: string, spec: TopLevelSpec): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await renderChartSvg(spec));
  return file;
}
