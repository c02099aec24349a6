import type { ProcessName, ServiceName } from '@msd/registry';
import { serviceUnavailable } from './errors.ts';
import { type ServiceUrls, serviceUrls } from './processConfig.ts';
import { currentRequestContext, REQUEST_ID_HEADER } from './requestContext.ts';
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

function requestIdHeader(): Record<string, string> {
  const requestId = currentRequestContext()?.requestId;
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
}

/**
 * How one service reads another: through its GraphQL API with the service credential, never through
 * its database. Failures become SERVICE_UNAVAILABLE errors, so the caller writes nothing and the
 * client learns which dependency failed.
 */
export function createServiceClient(
  service: ServiceName,
  calls: ServiceCalls,
  options: { timeoutMs?: number } = {},
): ServiceClient {
  const url = calls.urls[service];
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async request<TData>(query: string, variables: Record<string, unknown> = {}) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SERVICE_TOKEN_HEADER]: calls.token,
            // The caller's request id follows the call, so both services' log lines share it.
            ...requestIdHeader(),
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw serviceUnavailable(
          service,
          timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message,
          timedOut ? { timedOut } : {},
        );
      }
      const body = (await response.json().catch(() => undefined)) as
        | { data?: TData; errors?: { message: string; extensions?: { code?: unknown } }[] }
        | undefined;
      if (!response.ok || !body?.data || body.errors?.length) {
        const reason = body?.errors?.map((e) => e.message).join('; ') || `HTTP ${response.status}`;
        const upstreamCode = body?.errors?.[0]?.extensions?.code;
        throw serviceUnavailable(service, reason, typeof upstreamCode === 'string' ? { upstreamCode } : {});
      }
      return body.data;
    },
  };
}
