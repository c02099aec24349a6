import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  SERVICE_TOKEN_HEADER,
  serviceToken,
} from '@msd/service-kit';

/**
 * What every subgraph request of the benchmark carries that our gateway would add itself (the other
 * gateways and the direct calls send it): the service credential, without which
 * the subgraphs answer 401, and the benchmark's caller (the operator), which our gateway forwards
 * after verifying its token and the others, verifying nothing, are given as a constant, so that the
 * subgraphs do the same work (ownership checks included) behind every gateway.
 */
export const benchSubgraphHeaders = (): Record<string, string> => ({
  [SERVICE_TOKEN_HEADER]: serviceToken(),
  [CALLER_SUBJECT_HEADER]: 'bench-operator',
  [CALLER_SCOPES_HEADER]: 'operator',
});
