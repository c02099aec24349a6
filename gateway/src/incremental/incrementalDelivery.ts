import {
  type ApolloServer,
  type ApolloServerPlugin,
  type BaseContext,
  HeaderMap,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import { type DocumentNode, parse, print } from 'graphql';
import type { LimitsContext } from '../limits/operationLimits.ts';
import { postedOperation } from '../postedOperation.ts';
import {
  fragmentPayload,
  type GraphQLResult,
  type IncrementalItem,
  withoutPlaceholders,
} from './fragmentPayload.ts';
import { type SharedFetches, sharedFetches } from './sharedFetches.ts';
import { type DeferredFragment, splitDeferred } from './splitDeferred.ts';

/**
 * What an operation run for a `@defer` request (or a subscription) is: the `admission` of the whole operation (every
 * check, no execution), a `part` of an admitted operation (initial or one fragment), or the `whole`
 * operation answered at once. `documentHash` is the sha256 of the document the client sent.
 */
export interface IncrementalPart {
  documentHash: string;
  role: 'admission' | 'part' | 'whole';
  admitted?: boolean;
  /** The subgraph fetches the parts of one admitted request share. */
  shared?: SharedFetches;
  /** The admitted operation's estimated cost (a subscription charges it again per payload). */
  cost?: number;
}

/** The request context field set on operations run for a `@defer` request. */
export interface IncrementalContext {
  incremental?: IncrementalPart;
}

const MULTIPART = 'multipart/mixed; boundary="-"; deferSpec=20220824';
const PART_HEAD = '\r\ncontent-type: application/json; charset=utf-8\r\n\r\n';

/**
 * `@defer` over @apollo/gateway, whose planner and executor refuse it: in front of Apollo Server's
 * HTTP handler, a request whose document has an active `@defer` and that accepts
 * `multipart/mixed;deferSpec=20220824` (as Apollo Client sends it) is answered incrementally:
 * 1. the whole operation (fragments inline) is admitted through the server: trusted documents,
 *    limits, cost and the rate limit see it whole, and `plugin` stops it before execution;
 * 2. the operation without its deferred fragments and, for each fragment, the operation with that
 *    fragment (and its ancestors) run through the same server at once, as the same caller, so
 *    access rules, the entity cache, masking and tracing apply to each; they share their subgraph
 *    fetches (`sharedFetches`), so a fragment's run does not fetch its parents again;
 * 3. the first answers as the initial payload; each fragment's fields follow, by path, as its run
 *    completes (after its parent's), errors under them with them; the last says `hasNext: false`.
 * A client that does not accept multipart, a mutation, or an operation whose `if:` are all false
 * gets the whole operation (without `@defer`) as one JSON answer.
 * `plugin` must come after the rate limiter (it answers the admission in `responseForOperation`).
 */
export function incrementalDelivery(options: {
  /** The document of a trusted (persisted) document's hash, as the client sends it by hash. */
  lookupDocument: (hash: string) => Promise<string | undefined>;
}) {
  const plugin: ApolloServerPlugin<IncrementalContext & LimitsContext> = {
    async requestDidStart() {
      return {
        async responseForOperation({ contextValue }) {
          const part = contextValue.incremental;
          if (part?.role !== 'admission') return null;
          part.admitted = true;
          part.cost = contextValue.operationCost;
          return {
            http: { status: 200, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: {} },
          };
        },
      };
    },
  };

  function serve<TContext extends BaseContext>(apollo: ApolloServer<TContext>): ApolloServer<TContext> {
    type Request = Parameters<ApolloServer<TContext>['executeHTTPGraphQLRequest']>[0];
    const deferred = Object.create(apollo) as ApolloServer<TContext>;
    deferred.executeHTTPGraphQLRequest = async (args: Request) => {
      const { httpGraphQLRequest: request, context } = args;
      const posted = await postedOperation(request, options.lookupDocument, (query) =>
        query.includes('@defer'),
      );
      if (!posted) return apollo.executeHTTPGraphQLRequest(args);
      const { body, query, documentHash, operationName, variables, extensions } = posted;
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch {
        return apollo.executeHTTPGraphQLRequest(args);
      }
      const split = splitDeferred(document, operationName, variables);
      if (!split) return apollo.executeHTTPGraphQLRequest(args);
      const run = (operation: DocumentNode, part: IncrementalPart) =>
        apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            ...request,
            headers: jsonHeaders(request.headers),
            body: { ...body, query: print(operation), extensions },
          },
          context: async () => ({ ...(await context()), incremental: part }),
        });
      const all = new Set(split.fragments.map((fragment) => fragment.id));
      const whole = split.keep(all);
      if (!acceptsDefer(request) || split.mutation || split.fragments.length === 0)
        return run(whole, { documentHash, role: 'whole' });

      const admission: IncrementalPart = { documentHash, role: 'admission' };
      const refusal = await run(whole, admission);
      if (!admission.admitted) return refusal;
      // Each part fetches through `shared`: a fragment's run reuses the parent fetches of the others.
      const shared = sharedFetches(1 + split.fragments.length);
      const part = (kept: Set<number>) => {
        const incremental: IncrementalPart = { documentHash, role: 'part', shared };
        const answer = run(split.keep(kept), incremental);
        void answer.finally(() => shared.ended(incremental)).catch(() => {});
        return answer;
      };
      const initial = part(new Set());
      const fragmentRuns = split.fragments.map((fragment) =>
        part(new Set([...ancestors(fragment, split.fragments), fragment.id]))
          .then(readResult)
          .catch(failed),
      );
      const first = await initial;
      const initialResult = await readResult(first).catch(failed);
      if (!initialResult.data) return first; // refused or failed whole: nothing to defer
      const headers = new HeaderMap(
        [...first.headers].filter(([name]) => name !== 'content-type' && name !== 'content-length'),
      );
      headers.set('content-type', MULTIPART);
      return {
        status: 200,
        headers,
        body: {
          kind: 'chunked',
          asyncIterator: payloads(withoutPlaceholders(initialResult), split.fragments, fragmentRuns),
        },
      } satisfies HTTPGraphQLResponse;
    };
    return deferred;
  }

  return { plugin, serve };
}

/** The initial payload, then each fragment's as it completes (never before its parent's), multipart-framed. */
async function* payloads(
  initial: GraphQLResult,
  fragments: DeferredFragment[],
  runs: Promise<GraphQLResult>[],
): AsyncGenerator<string> {
  yield `${PART_HEAD.replace(/^\r\n/, '\r\n---\r\n')}${JSON.stringify({ ...initial, hasNext: true })}\r\n---`;
  const delivered = fragments.map(() => deferredPromise());
  const ready: { id: number; items: IncrementalItem[] }[] = [];
  let wake = deferredPromise();
  fragments.forEach((fragment, index) => {
    const parent = fragment.parent === undefined ? Promise.resolve() : delivered[fragment.parent]?.promise;
    Promise.all([runs[index], parent]).then(([result]) => {
      ready.push({
        id: fragment.id,
        items: result ? fragmentPayload(fragment, withoutPlaceholders(result)) : [],
      });
      wake.resolve();
    });
  });
  let remaining = fragments.length;
  while (remaining > 0) {
    await wake.promise;
    wake = deferredPromise();
    const batch = ready.splice(0);
    remaining -= batch.length;
    const incremental = batch.flatMap(({ items }) => items);
    const hasNext = remaining > 0;
    if (incremental.length > 0 || !hasNext) {
      const payload = incremental.length > 0 ? { incremental, hasNext } : { hasNext };
      yield `${PART_HEAD}${JSON.stringify(payload)}${hasNext ? '\r\n---' : '\r\n-----\r\n'}`;
    }
    for (const { id } of batch) delivered[id]?.resolve();
  }
}

function ancestors(fragment: DeferredFragment, fragments: DeferredFragment[]): number[] {
  const found: number[] = [];
  for (let parent = fragment.parent; parent !== undefined; parent = fragments[parent]?.parent)
    found.push(parent);
  return found;
}

/** Apollo Client's `Accept` for @defer: `multipart/mixed;deferSpec=20220824, application/json`. */
function acceptsDefer(request: HTTPGraphQLRequest): boolean {
  const accept = request.headers.get('accept') ?? '';
  return accept
    .split(',')
    .some((type) => /^\s*multipart\/mixed\b/i.test(type) && /deferSpec\s*=\s*"?20220824"?/i.test(type));
}

/** The caller's headers, asking for one JSON answer (each part runs as an ordinary request). */
export function jsonHeaders(headers: HeaderMap): HeaderMap {
  const copy = new HeaderMap([...headers]);
  copy.set('accept', 'application/json');
  copy.set('content-type', 'application/json');
  return copy;
}

async function readResult(response: HTTPGraphQLResponse): Promise<GraphQLResult> {
  if (response.body.kind !== 'complete') throw new Error('A part answered incrementally');
  return JSON.parse(response.body.string) as GraphQLResult;
}

function failed(): GraphQLResult {
  return { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
}

function deferredPromise() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
