import type { ProcessName } from '@msd/registry';
import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  processSecrets,
  SERVICE_TOKEN_HEADER,
  serviceCredential,
} from '@msd/service-kit';

/** The root of the bench stack's service secrets (the harness hands it to the launcher): not a secret. */
export const BENCH_SERVICE_ROOT = 'bench-service-root-not-a-secret';

/** The gateway's credential for `subgraph` in a bench stack. */
export const benchCredential = (subgraph: string): string =>
  serviceCredential('gateway', subgraph as ProcessName, {
    NODE_ENV: 'production',
    SERVICE_TOKEN: processSecrets(BENCH_SERVICE_ROOT).gateway,
  });

/**
 * What our gateway adds to every subgraph request, for the other gateways and the direct calls to
 * send as well: the gateway's service credential for that subgraph (without it the subgraphs answer 401) and the benchmark's
 * caller, the operator. Ours forwards the caller it verified; the others verify nothing and send it
 * as a constant, so the subgraphs do the same work (ownership checks included) behind every gateway.
 */
export const benchSubgraphHeaders = (subgraph: string): Record<string, string> => ({
  [SERVICE_TOKEN_HEADER]: benchCredential(subgraph),
  [CALLER_SUBJECT_HEADER]: 'bench-operator',
  [CALLER_SCOPES_HEADER]: 'operator',
});
