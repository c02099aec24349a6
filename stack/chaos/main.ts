// `npm run chaos [-- --minutes 20 --interval-ms 3000 --seed 42]`: a fault-injection run; exits 1 on any violation.
import { parseArgs } from 'node:util';
import { prefixOutput } from '../src/index.ts';
import { formatChaosReport } from './formatChaosReport.ts';
import { runChaos } from './runChaos.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    'interval-ms': { type: 'string', default: '3000' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const print = prefixOutput(process.stderr);
const report = await runChaos({
  environment: process.env,
  durationMs: Number(values.minutes) * 60_000,
  faultIntervalMs: Number(values['interval-ms']),
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  log: (line) => console.error(`chaos | ${line}`),
  ...(values.verbose ? { output: print } : {}),
});
console.log(formatChaosReport(report));
process.exit(report.violations.length === 0 ? 0 : 1);
