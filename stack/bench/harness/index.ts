export { renderChartSvg, writeChartSvg } from './chart.ts';
export {
  type Answer,
  busyRequestsPerSecond,
  type Check,
  type ClosedLoopStats,
  closedLoop,
  combineLoads,
  type LoadFigures,
  type LoadStats,
  loadFigures,
  OpenLoop,
  type OpenLoopStats,
  openLoopFigures,
  type Poster,
  poster,
} from './load.ts';
export {
  type CpuMeter,
  type CpuSnapshot,
  type CpuUse,
  cpuBetween,
  cpuMsPerRequest,
  cpuNetOfIdle,
  describeEnvironment,
  type Environment,
  stackCpuMeter,
  stackProcesses,
} from './machine.ts';
export { type BenchOptions, benchOptions } from './options.ts';
export { areaOf, monotonicMicros, type ProfileSummary, readProfiles, summarizeProfile } from './profile.ts';
export { type Cell, columns, cpuColumns, publish, type ReportBlock, type Table } from './report.ts';
export { type BenchRun, Cleanup, logger, type Polled, poll, runBench } from './run.ts';
export { type BenchStack, startBenchStack, startProcessBeside } from './stack.ts';
export { median, percentile, round, type Summary, summarize } from './stats.ts';
