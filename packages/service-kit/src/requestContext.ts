import { AsyncLocalStorage } from 'node:async_hooks';

/** The header that carries a request's id from the gateway to the services it calls, and back to the client. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What every log line written while handling one request carries. */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` with `context` current for everything it awaits (log lines, outgoing calls). */
export function withRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The context of the request being handled, if any. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
