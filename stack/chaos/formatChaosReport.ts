import type { ChaosReport } from './runChaos.ts';

/** The report as text: faults by kind, operations, time to converge, violations. */
export function formatChaosReport(report: ChaosReport): string {
  const faults = Object.entries(report.faults);
  const total = faults.reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    `chaos run: ${(report.durationMs / 60_000).toFixed(1)} min, seed ${report.seed}`,
    `faults: ${total} (${faults.map(([kind, n]) => `${kind} ${n}`).join(', ')})`,
    `operations: ${Object.entries(report.operations)
      .map(([name, c]) => `${name} ${c.ok} ok / ${c.failed} failed`)
      .join(', ')}`,
    `final state: ${Object.entries(report.counts)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ')}`,
    report.convergeMs === null
      ? 'converged: NO'
      : `converged: ${(report.convergeMs / 1000).toFixed(1)} s after the last fault`,
    `violations: ${report.violations.length}`,
    ...report.violations.map((v) => `  - ${v}`),
  ];
  return lines.join('\n');
}
