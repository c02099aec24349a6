import type { ServiceName } from '@msd/registry';
import { createHttpClient } from './createHttpClient.ts';
import { serviceUnavailable } from './errors.ts';
import { SERVICE_TOKEN_HEADER, serviceToken } from './serviceToken.ts';
import { serviceUrl } from './serviceUrl.ts';

export interface ServiceClient {
  /** Runs one operation against the service's GraphQL API; any transport or GraphQL error throws. */
  request<TData>(query: string, variables?: Record<string, unknown>): Promise<TData>;
}

export interface ServiceClientOptions {
  url?: string;
  timeoutMs?: number;
  /** The credential this caller presents (default: the service credential, read at each call). */
  token?: string;
}

/**
 * How one service reads another: through its GraphQL API with the caller's credential, never
 * through its database, over the shared HTTP client. Failures become SERVICE_UNAVAILABLE errors, so
 * the caller writes nothing and the client learns which dependency failed.
 */
export function createServiceClient(service: ServiceName, options: ServiceClientOptions = {}): ServiceClient {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const http = createHttpClient(options.url ?? serviceUrl(service), { timeoutMs });
  return {
    async request<TData>(query: string, variables: Record<string, unknown> = {}) {
      let answer: Awaited<ReturnType<typeof http.post>>;
      try {
        answer = await http.post(JSON.stringify({ query, variables }), {
          [SERVICE_TOKEN_HEADER]: options.token ?? serviceToken(),
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
