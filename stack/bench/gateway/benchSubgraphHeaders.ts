import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  SERVICE_TOKEN_HEADER,
  serviceToken,
} from '@msd/service-kit';

/**
 * What our gateway adds to every subgraph request, for the other gateways and the direct calls to
 * send as well: the service credential (without it the subgraphs answer 401) and the benchmark's
 * caller, the operator. Ours forwards the caller it verified; the others verify nothing and send it
 * as a constant, so the subgraphs do the same work (ownership checks included) behind every gateway.
 */
export const benchSubgraphHeaders = (): Record<string, string> => ({
  [SERVICE_TOKEN_HEADER]: serviceToken(),
  [CALLER_SUBJECT_HEADER]: 'bench-operator',
  [CALLER_SCOPES_HEADER]: 'operator',
});
