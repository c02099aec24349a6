import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  SERVICE_TOKEN_HEADER,
  serviceToken,
} from '@msd/service-kit';

/**
 * What the other gateways add to every subgraph request: the service credential, without which
 * the subgraphs answer 401, and the benchmark's caller (the operator), which our gateway forwards
 * after verifying its token and the others, verifying nothing, are given as a constant, so that the
 * subgraphs do the same work (ownership checks included) behind every gateway.
 */
export const competitorSubgraphHeaders = (): Record<string, string> => ({
  [SERVICE_TOKEN_HEADER]: serviceToken(),
  [CALLER_SUBJECT_HEADER]: 'bench-operator',
  [CALLER_SCOPES_HEADER]: 'operator',
});
