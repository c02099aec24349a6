export { type GraphQLResponse, graphqlRequest } from './graphqlRequest.ts';
export { clearEventBus } from './clearEventBus.ts';
export { readCounter } from './readCounter.ts';
export { startTestFederation, type TestFederation } from './startTestFederation.ts';
export { startTestSubgraph, type TestSubgraph } from './startTestSubgraph.ts';
export { createTestDatabase, type TestDatabase } from './testDatabase.ts';
