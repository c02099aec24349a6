/**
 * The trade-offs charts, Vega-Lite specifications drawn to SVG by the harness from a run's results:
 * latency, throughput, CPU per request by process, and what callers got with a service down.
 */
import type { TopLevelSpec } from 'vega-lite';
import { cpuGroups, otherStackMs } from './tradeoffsPage.ts';
import { type Scenario, scenarioShortNames, type TradeoffsResults } from './tradeoffsResults.ts';

const width = 520;
const label = (scenario: Scenario) => scenarioShortNames[scenario];
const order = Object.values(scenarioShortNames);

/** Every chart's specification, by file name (without `.svg`). */
export function tradeoffsChartSpecs(r: TradeoffsResults): Record<string, TopLevelSpec> {
  const latency = r.medians.flatMap((m) => [
    { way: label(m.scenario), percentile: 'p50', ms: m.p50 },
    { way: label(m.scenario), percentile: 'p99', ms: m.p99 },
  ]);
  const cpu = r.medians.flatMap((m) => [
    ...cpuGroups.map((group) => ({
      way: label(m.scenario),
      process: group,
      ms: m.cpuMsPerRequest[group] ?? 0,
    })),
    { way: label(m.scenario), process: 'the rest', ms: otherStackMs(m.cpuMsPerRequest) },
  ]);
  const down = r.phases.filter((p) => p.situation !== 'healthy');
  const availability = down.flatMap((p) =>
    (['complete', 'degraded', 'refused'] as const).map((kind) => ({
      situation: p.situation,
      way: label(p.scenario),
      answer: kind,
      percent:
        (100 * p.answers[kind]) / Math.max(1, p.answers.complete + p.answers.degraded + p.answers.refused),
    })),
  );
  const way = { field: 'way', type: 'nominal', sort: order, title: null } as const;
  return {
    'tradeoffs-latency': {
      title: 'Latency per request, healthy (ms, medians across rounds)',
      width,
      data: { values: latency },
      mark: 'bar',
      encoding: {
        y: way,
        yOffset: { field: 'percentile' },
        x: { field: 'ms', type: 'quantitative', title: 'ms' },
        color: { field: 'percentile', type: 'nominal', title: null },
      },
    },
    'tradeoffs-throughput': {
      title: 'Throughput, healthy (requests/s, closed loop)',
      width,
      data: { values: r.medians.map((m) => ({ way: label(m.scenario), rps: m.requestsPerSecond })) },
      layer: [
        { mark: 'bar' },
        {
          mark: { type: 'text', align: 'left', dx: 3 },
          encoding: { text: { field: 'rps', type: 'quantitative' } },
        },
      ],
      encoding: { y: way, x: { field: 'rps', type: 'quantitative', title: 'requests/s' } },
    },
    'tradeoffs-cpu': {
      title: 'CPU per request by process, healthy (ms)',
      width,
      data: { values: cpu },
      mark: 'bar',
      encoding: {
        y: way,
        x: { field: 'ms', type: 'quantitative', stack: 'zero', title: 'CPU ms per request' },
        color: { field: 'process', type: 'nominal', sort: [...cpuGroups, 'the rest'] },
      },
    },
    'tradeoffs-availability': {
      title: 'What callers got with a service paused (% of answers)',
      data: { values: availability },
      mark: 'bar',
      width,
      encoding: {
        row: {
          field: 'situation',
          type: 'nominal',
          title: null,
          sort: ['product down', 'order down', 'driver down'],
        },
        y: way,
        x: {
          field: 'percent',
          type: 'quantitative',
          stack: 'zero',
          title: '% of answers',
          scale: { domain: [0, 100] },
        },
        color: {
          field: 'answer',
          type: 'nominal',
          sort: ['complete', 'degraded', 'refused'],
          scale: { domain: ['complete', 'degraded', 'refused'], range: ['#4c9a2a', '#e8a33d', '#c0392b'] },
        },
      },
    },
  };
}
