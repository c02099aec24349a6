import type { ServiceName } from '@msd/registry';
import { serviceUnavailable } from './errors.ts';
import { currentRequestContext, REQUEST_ID_HEADER } from './requestContext.ts';
import { SERVICE_TOKEN_HEADER } from './serviceToken.ts';
import { serviceUrl } from './serviceUrl.ts';

export interface ServiceClient {
  /** Runs one operation against the service's GraphQL API; any transport or GraphQL error throws. */
  request<TData>(query: string, variables?: Record<string, unknown>): Promise<TData>;
}

function requestIdHeader(): Record<string, string> {
  const requestId = currentRequestContext()?.requestId;
  return requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
}

/**
 * How one service reads another: through its GraphQL API with its own service credential, never through
 * its database. Failures become SERVICE_UNAVAILABLE errors, so the caller writes nothing and the
 * client learns which dependency failed.
 */
export function createServiceClient(
  service: ServiceName,
  /** `credential`: what this caller sends to `service` (`serviceCredential(caller, service)`). */
  options: { credential: string; url?: string; timeoutMs?: number },
): ServiceClient {
  const url = options.url ?? serviceUrl(service);
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async request<TData>(query: string, variables: Record<string, unknown> = {}) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SERVICE_TOKEN_HEADER]: options.credential,
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
