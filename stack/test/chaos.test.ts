import { describe, expect, it } from 'vitest';
import { formatChaosReport } from '../chaos/formatChaosReport.ts';
import { runChaos } from '../chaos/runChaos.ts';

// The short chaos run of `npm test` (`npm run chaos` runs a long one): 20 s of faults of every kind
// under a mixed load against the stack launched as `npm start` does, then every invariant must hold.
describe('a short chaos run', () => {
  it('loses no business event and converges after faults of every kind', { timeout: 240_000 }, async () => {
    const report = await runChaos({
      environment: process.env,
      durationMs: 20_000,
      faultIntervalMs: 1_000,
      convergeTimeoutMs: 60_000,
    });
    console.info(formatChaosReport(report));
    expect(report.violations).toEqual([]);
    for (const kind of ['kill', 'pause', 'redis-restart', 'redis-flush', 'pg-terminate'] as const)
      expect(report.faults[kind], kind).toBeGreaterThan(0);
    expect(report.operations.placeOrder?.ok ?? 0).toBeGreaterThan(0);
  });
});
