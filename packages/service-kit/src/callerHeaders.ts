import type { IncomingHttpHeaders } from 'node:http';

/** The verified subject (the token's `sub`), set by the gateway; absent for an anonymous caller. */
export const CALLER_SUBJECT_HEADER = 'x-caller-subject';
/** The verified scopes, space-separated, set by the gateway; empty for an anonymous caller. */
export const CALLER_SCOPES_HEADER = 'x-caller-scopes';

/** Who a request is made for, as the gateway verified it. */
export interface Caller {
  /** The token's subject: a customer id, a rider id, an operator's name; undefined when anonymous. */
  readonly subject: string | undefined;
  readonly scopes: readonly string[];
}

/**
 * The caller a subgraph request is made for. Only meaningful behind the service-credential check
 * (createHttpServer refuses a request without it first), because only the gateway may set these
 * headers; a request without them is anonymous, with no rights beyond the public ones.
 */
export function callerFromHeaders(headers: IncomingHttpHeaders): Caller {
  const subject = headers[CALLER_SUBJECT_HEADER];
  const scopes = headers[CALLER_SCOPES_HEADER];
  return {
    subject: typeof subject === 'string' && subject !== '' ? subject : undefined,
    scopes: typeof scopes === 'string' ? scopes.split(' ').filter(Boolean) : [],
  };
}
