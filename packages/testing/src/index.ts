export { clearEventBus } from './clearEventBus.ts';
export { freePort } from './freePort.ts';
export { type GraphQLResponse, graphqlRequest } from './graphqlRequest.ts';
export { readCounter } from './readCounter.ts';
export { seedOrders } from './seedOrders.ts';
export { startRedisServer, type TestRedis } from './startRedisServer.ts';
export { startTestFederation, type TestFederation } from './startTestFederation.ts';
export { startTestSubgraph, type TestSubgraph } from './startTestSubgraph.ts';
export { createTestDatabase, type TestDatabase } from './testDatabase.ts';
