import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { metrics } from '@msd/service-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// Loading every process's modules registers every metric they serve (one registry per process
// in production; all of them in this one here).
import '@msd/gateway';
import '@msd/order-service';
import '@msd/events';

const alerts = parse(readFileSync(path.join(repoRoot, 'ops/prometheus/alerts.yml'), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};
const dashboard = JSON.parse(
  readFileSync(path.join(repoRoot, 'ops/grafana/dashboards/consistency.json'), 'utf8'),
) as { panels: { title: string; targets?: { expr: string }[] }[] };

const promqlWords = new Set([
  'histogram_quantile',
  'rate',
  'increase',
  'deriv',
  'sum',
  'max',
  'by',
  'and',
  'or',
  'unless',
]);

/** The metric names a PromQL expression reads (identifiers with an underscore, minus PromQL's own). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\bby\s*\([^)]*\)/g, '');
  const names = withoutLabels.match(/\b[a-z][a-z0-9_]*_[a-z0-9_]+\b/g) ?? [];
  return names
    .filter((name) => !promqlWords.has(name))
    .map((name) => name.replace(/_(bucket|sum|count)$/, ''));
}

describe('alert rules and the dashboard', () => {
  it('read only metrics that the processes serve on /metrics', async () => {
    const served = new Set((await metrics.getMetricsAsJSON()).map((metric) => metric.name));
    const rules = alerts.groups.flatMap((group) => group.rules);
    const read = [
      ...rules.map((rule) => ({ where: `alert ${rule.alert}`, names: metricNames(rule.expr) })),
      ...dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({
          where: `panel ${panel.title}`,
          names: metricNames(target.expr),
        })),
      ),
    ];
    expect(rules.map((rule) => rule.alert)).toEqual([
      'CopyLagOverBudget',
      'EventQueueGrowing',
      'EventsParked',
      'OutboxBacklog',
      'OrdersStuckPlaced',
      'ReconciliationRepairing',
      'SubgraphCircuitOpen',
    ]);
    for (const { where, names } of read) {
      expect(names.length, where).toBeGreaterThan(0);
      for (const name of names) expect(served, `${where} reads ${name}`).toContain(name);
    }
  });
});
