/**
 * The trade-offs table, charts and page, built from the committed results of the last full run
 * (`results/tradeoffs.json`, measured data, not made up): every scenario in its row with its
 * figures, one bar per figure drawn, the page linking what it should.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderChartSvg } from '../harness/chart.ts';
import { markdownTable, type Published, resultsDir } from '../harness/report.ts';
import { tradeoffsChartSpecs } from './tradeoffsCharts.ts';
import {
  answersText,
  deferTable,
  readYourWritesTable,
  tradeoffsPage,
  tradeoffsTable,
} from './tradeoffsPage.ts';
import { scenarios, type TradeoffsResults } from './tradeoffsResults.ts';

const resultsFile = path.join(resultsDir, 'tradeoffs.json');
const published = JSON.parse(readFileSync(resultsFile, 'utf8')) as Published<TradeoffsResults>;
const r = published.results;
const outages = r.phases.filter((p) => p.situation !== 'healthy');

describe('the trade-offs table', () => {
  it('has every scenario healthy (its medians), then every outage phase', () => {
    const table = tradeoffsTable(r);
    expect(r.medians.map((m) => m.scenario)).toEqual(Object.keys(scenarios));
    expect(table.rows).toHaveLength(r.medians.length + outages.length);
    expect(new Set(outages.map((p) => p.situation))).toEqual(
      new Set(['product down', 'order down', 'driver down']),
    );
    const column = (name: string) => table.headers.indexOf(name);
    for (const [i, m] of r.medians.entries()) {
      const row = table.rows[i] ?? [];
      expect(row[column('situation')]).toBe('healthy');
      expect(row[column('way')]).toBe(scenarios[m.scenario]);
      expect(row[column('p50 ms')]).toBe(m.p50);
      expect(row[column('req/s')]).toBe(m.requestsPerSecond);
      expect(row[column('calls/req')]).toBe(m.callsPerRequest);
    }
    const last = table.rows.at(-1) ?? [];
    expect(last[column('answers')]).toBe(
      answersText(outages.at(-1)?.answers ?? { complete: 0, degraded: 0, refused: 0 }),
    );
  });

  it('says what callers got, in shares of the answers', () => {
    expect(answersText({ complete: 3, degraded: 1, refused: 0 })).toBe('complete 75 %, degraded 25 %');
    expect(answersText({ complete: 0, degraded: 0, refused: 7 })).toBe('refused 100 %');
    expect(answersText({ complete: 0, degraded: 0, refused: 0 })).toBe('no answer');
    expect(answersText({ complete: 503, degraded: 0, refused: 3 })).toBe('complete 99.4 %, refused 0.6 %');
  });

  it('renders as markdown, a line per row, pipes in cells escaped', () => {
    const text = markdownTable({ headers: ['a', 'n'], rows: [['x | y', 1]] });
    expect(text.split('\n')).toEqual(['| a | n |', '|---|---:|', '| x \\| y | 1 |']);
  });
});

describe('the trade-offs charts', () => {
  const specs = tradeoffsChartSpecs(r);
  const bars = async (name: string) => {
    const spec = specs[name];
    if (!spec) throw new Error(`no chart ${name}`);
    return (await renderChartSvg(spec)).match(/aria-roledescription="bar"/g)?.length ?? 0;
  };

  it('draws p50 and p99 of every scenario, and the throughput of each', async () => {
    expect(await bars('tradeoffs-latency')).toBe(2 * r.medians.length);
    expect(await bars('tradeoffs-throughput')).toBe(r.medians.length);
  });

  it('draws complete, degraded and refused shares of every outage phase', async () => {
    expect(await bars('tradeoffs-availability')).toBe(3 * outages.length);
  });
});

describe('the trade-offs page', () => {
  it('holds the tables, links each chart and the raw results', () => {
    const docs = path.resolve(resultsDir, '../../../docs');
    const charts = Object.keys(tradeoffsChartSpecs(r)).map((name) =>
      path.join(docs, 'images', `${name}.svg`),
    );
    const page = tradeoffsPage(published, charts, resultsFile, docs);
    for (const table of [tradeoffsTable, readYourWritesTable, deferTable])
      expect(page).toContain(markdownTable(table(r)));
    // Read your writes and @defer: healthy, then with what they depend on paused.
    expect(r.readYourWrites?.map((x) => x.situation)).toEqual(['healthy', 'order and ride consumers paused']);
    expect(r.defer?.map((x) => x.situation)).toEqual(['healthy', 'driver down']);
    for (const name of Object.keys(tradeoffsChartSpecs(r))) expect(page).toContain(`(images/${name}.svg)`);
    expect(page).toContain('(../stack/bench/results/tradeoffs.json)');
    expect(page).toContain(`load average\n${published.environment.loadavgBefore} before the run`);
  });
});
