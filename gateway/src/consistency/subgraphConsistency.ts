import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { type ConsistencyReport, parseEntries } from '@msd/service-kit';
import { type GatewayConsistency, mergeReport } from './consistencyTokens.ts';

/**
 * Takes a subgraph's consistency extensions off its answer into the request's state: what its
 * mutations wrote (`extensions.written`, for the token) and how it honoured the token
 * (`extensions.consistency`, merged into the client's answer by the token plugin).
 */
export function collectSubgraphConsistency(
  response: GatewayGraphQLResponse,
  consistency: GatewayConsistency | undefined,
): GatewayGraphQLResponse {
  const { written, consistency: report, ...extensions } = response.extensions ?? {};
  if (written === undefined && report === undefined) return response;
  if (consistency) {
    if (typeof written === 'string') consistency.written.push(...parseEntries(written));
    if (report && typeof report === 'object') mergeReport(consistency.report, report as ConsistencyReport);
  }
  return { ...response, extensions };
}
