export type { GraphQLResolverMap } from '@apollo/subgraph';
export { actsFor } from './actsFor.ts';
export {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  type Caller,
  callerFromHeaders,
} from './callerHeaders.ts';
export { createEntityLoader, createGroupLoader } from './createEntityLoader.ts';
export { createHttpServer, type ReadyReport } from './createHttpServer.ts';
export { createLogger, type Logger, logFormat } from './createLogger.ts';
export { createServiceClient, type ServiceClient } from './createServiceClient.ts';
export { createSubgraphServer, runChecks, type SubgraphServer } from './createSubgraphServer.ts';
export {
  DEVELOPMENT_AUDIENCE,
  DEVELOPMENT_ISSUER,
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
export { ConfigError, loadConfig } from './loadConfig.ts';
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
export { processConfig } from './processConfig.ts';
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
export {
  allowedCallers,
  developmentServiceSecrets,
  processSecrets,
  SERVICE_TOKEN_HEADER,
  type ServiceCredentialEnv,
  serviceCallerCheck,
  serviceCallerKeys,
  serviceCredential,
} from './serviceToken.ts';
export { servicePort, serviceUrl } from './serviceUrl.ts';
