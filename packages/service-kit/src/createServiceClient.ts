import type { ProcessName, ServiceName } from '@msd/registry';
import { createHttpClient } from './createHttpClient.ts';
import { serviceUnavailable } from './errors.ts';
import { type ServiceUrls, serviceUrls } from './processConfig.ts';
import {
  SERVICE_TOKEN_HEADER,
  type ServiceCredentialEnv,
  serviceCallerCheck,
  serviceCredential,
} from './serviceToken.ts';

/**
 * How a process calls other services and is called by them: where each one is (`serviceUrls`),
 * the credential it presents to each callee, and which caller a received credential names.
 */
export interface ServiceCalls {
  urls: Readonly<ServiceUrls> | Readonly<Record<ProcessName, string>>;
  /** What this process sends to `callee` (`serviceCredential`). */
  credential: (callee: ServiceName) => string;
  /** The process a received credential belongs to, if the registry lets it call this one (`serviceCallerCheck`). */
  callers: (credential: string | undefined) => ProcessName | undefined;
}

/** The calls of process `name` from its parsed configuration: `<NAME>_URL` (else registry ports), `SERVICE_TOKEN`, `SERVICE_CALLERS`. */
export function serviceCalls(
  name: ProcessName,
  config: Readonly<Record<string, unknown>> & ServiceCredentialEnv,
): ServiceCalls {
  // An HMAC per callee, the same for the process's life: derived once, not on every call.
  const credentials = new Map<ServiceName, string>();
  return {
    urls: serviceUrls(config),
    credential: (callee) => {
      let credential = credentials.get(callee);
      if (credential === undefined) {
        credential = serviceCredential(name, callee, config);
        credentials.set(callee, credential);
      }
      return credential;
    },
    callers: serviceCallerCheck(name, config),
  };
}

export interface ServiceClient {
  /** Runs one operation against the service's GraphQL API; any transport or GraphQL error throws. */
  request<TData>(query: string, variables?: Record<string, unknown>): Promise<TData>;
}

/**
 * How one service reads another: through its GraphQL API with the caller's credential, never
 * through its database, over the shared HTTP client (which forwards the request id). Failures
 * become SERVICE_UNAVAILABLE errors, so the caller writes nothing and the client learns which
 * dependency failed.
 */
export function createServiceClient(
  service: ServiceName,
  calls: ServiceCalls,
  options: { timeoutMs?: number } = {},
): ServiceClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const http = createHttpClient(calls.urls[service], { timeoutMs });
  return {
    async request<TData>(query: string, variables: Record<string, unknown> = {}) {
      let answer: Awaited<ReturnType<typeof http.post>>;
      try {
        answer = await http.post(JSON.stringify({ query, variables }), {
          [SERVICE_TOKEN_HEADER]: calls.credential(service),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw serviceUnavailable(
          service,
          timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message,
          timedOut ? { timedOut } : {},
        );
      }
      const body = parseJson(answer.text) as
        | { data?: TData; errors?: { message: string; extensions?: { code?: unknown } }[] }
        | undefined;
      if (answer.status >= 300 || !body?.data || body.errors?.length) {
        const reason = body?.errors?.map((e) => e.message).join('; ') || `HTTP ${answer.status}`;
        const upstreamCode = body?.errors?.[0]?.extensions?.code;
        throw serviceUnavailable(service, reason, typeof upstreamCode === 'string' ? { upstreamCode } : {});
      }
      return body.data;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
