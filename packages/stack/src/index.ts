export { checkInfrastructure, redisUrl } from './checkInfrastructure.ts';
export { type DemoData, demoData } from './demoData.ts';
export { demoQueries } from './demoQueries.ts';
export { launchStack, type RunningStack, type StackOptions } from './launchStack.ts';
export { prefixOutput } from './prefixOutput.ts';
export { seedDemoData } from './seedDemoData.ts';
