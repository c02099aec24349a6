export { writeCharts } from './chart.ts';
export { eventPathProbes, inboxLag } from './eventPath.ts';
export * from './load.ts';
export * from './machine.ts';
export { benchOptions } from './options.ts';
export { type Cell, columns, publish, type ReportBlock, type Table } from './report.ts';
export { type BenchRun, logger, poll, runBench } from './run.ts';
export { type BenchStack, startBenchStack, startProcessBeside, stockedProducts } from './stack.ts';
export { medianOf, percentile, round, type Summary, summarize } from './stats.ts';
