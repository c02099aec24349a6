import { createTestDatabase } from '@msd/testing';
import { describe, expect, it } from 'vitest';
import { formatChaosReport } from '../chaos/formatChaosReport.ts';
import { runChaos } from '../chaos/runChaos.ts';

// The short chaos run of `npm test` (`npm run chaos` runs a long one): at least one fault of every
// kind, in shuffled rounds over 6 s or more, under a mixed load against the stack launched as production runs
// it (compiled, built once by the system tier's setup), then every invariant must hold.
describe('a short chaos run', () => {
  it('loses no business event and converges after faults of every kind', { timeout: 240_000 }, async () => {
    const report = await runChaos({
      environment: process.env,
      durationMs: 6_000,
      faultIntervalMs: 1_000,
      convergeTimeoutMs: 60_000,
      built: true,
      createDatabase: createTestDatabase,
    });
    console.info(formatChaosReport(report));
    expect(report.violations).toEqual([]);
    for (const kind of ['kill', 'pause', 'redis-restart', 'redis-flush', 'pg-terminate'] as const)
      expect(report.faults[kind], kind).toBeGreaterThan(0);
    expect(report.operations.placeOrder?.ok ?? 0).toBeGreaterThan(0);
  });
});
