export type { GraphQLResolverMap } from '@apollo/subgraph';
export { actsFor } from './actsFor.ts';
export {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  type Caller,
  callerFromHeaders,
} from './callerHeaders.ts';
export {
  type AggregateVersion,
  CONSISTENCY_ENTRIES_HEADER,
  CONSISTENCY_TOKEN_HEADER,
  type ConsistencyOutcome,
  type ConsistencyReport,
  type CopyRead,
  consistencyPlugin,
  countConsistencyReads,
  formatEntries,
  type GraphQLResolveInfo,
  parseEntries,
  RequestConsistency,
  type VersionedValue,
} from './consistency.ts';
export { createEntityLoader, createGroupLoader } from './createEntityLoader.ts';
export {
  createHttpClient,
  type HttpAnswer,
  type HttpClient,
  type HttpClientOptions,
} from './createHttpClient.ts';
export { createHttpServer, type ReadyReport } from './createHttpServer.ts';
export {
  configureLogging,
  createLogger,
  type Logger,
  type LoggingOptions,
  loggingOptions,
} from './createLogger.ts';
export { createPeriodicTask, type PeriodicTask } from './createPeriodicTask.ts';
export {
  createServiceClient,
  type ServiceCalls,
  type ServiceClient,
  serviceCalls,
} from './createServiceClient.ts';
export { createSubgraphServer, runChecks, type SubgraphServer } from './createSubgraphServer.ts';
export { describeVariables, type VariableDescription, type VariableShape } from './describeVariables.ts';
export {
  DEVELOPMENT_AUDIENCE,
  DEVELOPMENT_ISSUER,
  DEVELOPMENT_KEY_FILE,
  defaultSubjects,
  developmentKeyFile,
  developmentKeyPair,
  developmentToken,
  type Role,
  roles,
} from './developmentToken.ts';
export {
  type EntityInvalidation,
  entityInvalidationsPlugin,
  type InvalidationContext,
} from './entityInvalidations.ts';
export { badUserInput, conflict, forbidden, notFound, refused, serviceUnavailable } from './errors.ts';
export { fetchEntities } from './fetchEntities.ts';
export { formatError } from './formatError.ts';
export { isUuid } from './isUuid.ts';
export { ConfigError, loadConfig, loadVariables } from './loadConfig.ts';
export { loadTypeDefs } from './loadTypeDefs.ts';
export {
  countStatement,
  dbStatements,
  entityRepresentations,
  httpRequestDuration,
  metrics,
} from './metrics.ts';
export { operationMetricsPlugin } from './operationMetricsPlugin.ts';
export { MAX_PAGE_SIZE, type PageArgs, pageArgs } from './pageArgs.ts';
export {
  type CommonConfig,
  type ConsistencyReadOptions,
  commonVariables,
  consistencyReadOptions,
  consistencyReadVariables,
  databasePasswordVariable,
  databaseVariables,
  defaultConsistencyReadOptions,
  defaultEventTimings,
  type EventTimings,
  eventBusVariables,
  eventKeyVariable,
  eventProducersNeeded,
  eventTimings,
  eventVariables,
  processConfig,
  type ServiceUrls,
  serviceUrls,
} from './processConfig.ts';
export {
  currentRequestContext,
  REQUEST_ID_HEADER,
  type RequestContext,
  withRequestContext,
} from './requestContext.ts';
export { requireText } from './requireText.ts';
export { runProcess } from './runProcess.ts';
export { type ServeOptions, serve } from './serve.ts';
export { type BackgroundProcess, type ServerLifecycle, serverLifecycle } from './serverLifecycle.ts';
export { type ServiceOptions, timingsOf } from './serviceOptions.ts';
export {
  allowedCallers,
  consistencyTokenKey,
  developmentServiceSecrets,
  processSecrets,
  SERVICE_TOKEN_HEADER,
  type ServiceCredentialEnv,
  serviceCallerCheck,
  serviceCallerKeys,
  serviceCredential,
} from './serviceToken.ts';
