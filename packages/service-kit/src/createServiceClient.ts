import type { ProcessName, ServiceName } from '@msd/registry';
import { createHttpClient } from './createHttpClient.ts';
import { serviceUnavailable } from './errors.ts';
import { type ServiceUrls, serviceUrls } from './processConfig.ts';
import { SERVICE_TOKEN_HEADER, serviceToken } from './serviceToken.ts';

/** How a process calls other services: where each one is (`serviceUrls`) and the credential it presents. */
export interface ServiceCalls {
  urls: Readonly<ServiceUrls> | Readonly<Record<ProcessName, string>>;
  token: string;
}

/** The calls of a parsed configuration: `<NAME>_URL` (else registry ports) and `SERVICE_TOKEN` (else the development default). */
export function serviceCalls(
  config: Readonly<Record<string, unknown>> & { SERVICE_TOKEN?: string | undefined },
): ServiceCalls {
  return { urls: serviceUrls(config), token: serviceToken(config.SERVICE_TOKEN) };
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
          [SERVICE_TOKEN_HEADER]: calls.token,
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
