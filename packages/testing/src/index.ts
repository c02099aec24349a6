export { counterIn } from './counterIn.ts';
export { freePort } from './freePort.ts';
export { freePortRange } from './freePortRange.ts';
export { type GraphQLResponse, graphqlRequest, type RequestOptions } from './graphqlRequest.ts';
export { readCounter } from './readCounter.ts';
export { startRedisServer, type TestRedis } from './startRedisServer.ts';
export { startTestSubgraph, type TestSubgraph, testServiceCalls } from './startTestSubgraph.ts';
export { type HttpSubscription, type SubscriptionPart, subscribeOverHttp } from './subscribeOverHttp.ts';
export {
  createDatabaseTemplates,
  createTestDatabase,
  type DatabaseTemplates,
  dropRunTestDatabases,
  type TestDatabase,
  useDatabaseTemplates,
} from './testDatabase.ts';
