export { renderChartSvg, writeChartSvg } from './chart.ts';
export { type EventPathProbes, eventPathProbes } from './eventPath.ts';
export {
  type Check,
  closedLoop,
  type LoadFigures,
  type LoadStats,
  loadFigures,
  type MeasuredLoad,
  measuredLoad,
  operatorAuthorization,
  post,
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
  idleCpu,
  isStackGroup,
  stackCpuMs,
  stackProcesses,
} from './machine.ts';
export { type BenchOptions, benchOptions } from './options.ts';
export { type Cell, columns, publish, type ReportBlock, type Table } from './report.ts';
export { type BenchRun, Cleanup, logger, type Polled, poll, runBench } from './run.ts';
export { type BenchStack, benchDefaults, startBenchStack, startProcessBeside } from './stack.ts';
export { median, medianOf, percentile, round, type Summary, summarize } from './stats.ts';
