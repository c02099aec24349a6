export { seedOrders } from './federation/seedOrders.ts';
export { startTestFederation, type TestFederation } from './federation/startTestFederation.ts';
export {
  checkInfrastructure,
  environmentInfrastructure,
  type Infrastructure,
} from './launcher/checkInfrastructure.ts';
export { demoQueries } from './launcher/demoQueries.ts';
export { launchStack, type RunningStack, type StackOptions } from './launcher/launchStack.ts';
export { prefixOutput } from './launcher/prefixOutput.ts';
export { type DemoData, demoCounts, demoData, scaledCounts } from './seed/demoData.ts';
export { seedDemoData } from './seed/seedDemoData.ts';
