import type { ServiceName } from '@msd/registry';
import {
  CALLER_SCOPES_HEADER,
  CALLER_SUBJECT_HEADER,
  defaultSubjects,
  developmentToken,
  type Role,
  SERVICE_TOKEN_HEADER,
  serviceCredential,
} from '@msd/service-kit';

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface RequestOptions {
  /** The service called: sends the gateway's (development) credential for it, as the gateway would. */
  asService?: ServiceName;
  /**
   * The caller: `Authorization: Bearer <development token>` of this role and `subject` (else the
   * role's demo subject); with `asService`, the verified-caller headers the gateway would send.
   */
  as?: Role;
  subject?: string;
  headers?: Record<string, string>;
}

/**
 * A GraphQL request over real HTTP, as a client (or, with `asService`, another service) sends it;
 * with `as`, signed in with a development token of that role. Without it the request is anonymous.
 * Returns the HTTP status with the body so tests can assert both.
 */
export async function graphqlRequest<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  const subject = options.as ? (options.subject ?? defaultSubjects[options.as]) : undefined;
  const caller: Record<string, string> =
    options.as && options.asService
      ? { [CALLER_SUBJECT_HEADER]: subject as string, [CALLER_SCOPES_HEADER]: options.as }
      : options.as
        ? { authorization: `Bearer ${await developmentToken(options.as, subject)}` }
        : {};
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.asService
        ? { [SERVICE_TOKEN_HEADER]: serviceCredential('gateway', options.asService, { NODE_ENV: 'test' }) }
        : {}),
      ...caller,
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<TData>, 'status'>;
  return { status: response.status, ...body };
}
