import { randomUUID } from 'node:crypto';
import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import type { EventEnvelope, Subscriber } from '@msd/events';
import { type Logger, metrics } from '@msd/service-kit';
import { Repeater } from '@repeaterjs/repeater';
import {
  type DefinitionNode,
  type DocumentNode,
  type GraphQLFormattedError,
  getOperationAST,
  Kind,
  OperationTypeNode,
  parse,
  print,
  valueFromASTUntyped,
} from 'graphql';
import { decodeJwt } from 'jose';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge } from 'prom-client';
import type { GraphQLResult } from '../incremental/fragmentPayload.ts';
import { type IncrementalPart, jsonHeaders } from '../incremental/incrementalDelivery.ts';
import type { RateLimitContext } from '../limits/rateLimit.ts';
import type { CallerSlots } from './callerSlots.ts';
import { endsOnReturn } from './endsOnReturn.ts';
import { appliersOf, entitiesWoken, type SubscriptionField } from './subscriptionFields.ts';

/** What a subscriber receives: a payload (data and/or errors), or the last word before the subscription ends. */
export type SubscriptionMessage = { payload: GraphQLResult } | { closed: GraphQLFormattedError[] };

/** A subscription as a transport received it. */
export interface SubscriptionRequest {
  /** The subscription document (looked up already when sent by hash). */
  query: string;
  /** sha256 of that document, as trusted documents know it. */
  documentHash: string;
  variables: Record<string, unknown>;
  operationName?: string | undefined;
  extensions: Record<string, unknown>;
  /** The caller's headers: its token, its consistency token. */
  headers: HeaderMap;
  /** The caller's request context (verifies the token again each time: a token expires). */
  context: () => Promise<RateLimitContext>;
}

export type SubscribeOutcome =
  | { refusal: HTTPGraphQLResponse }
  | { messages: AsyncIterableIterator<SubscriptionMessage> };

export interface SubscriptionsConfig {
  /** Open subscriptions per caller (its subject, else its address), across the gateway's replicas. */
  perCaller: number;
  /** How often an idle multipart stream sends `{}`. */
  heartbeatMs: number;
}

export const defaultSubscriptions: SubscriptionsConfig = { perCaller: 20, heartbeatMs: 5_000 };

type Execute = ApolloServer<BaseContext>['executeHTTPGraphQLRequest'];

interface Open {
  id: string;
  request: SubscriptionRequest;
  callerKey: string;
  entity: string;
  /** The subscription as a query: `orderUpdated(id)` → `orderUpdated: order(id)`. */
  query: string;
  /** At least this long between two reads (`COALESCE_MS` for an id-less field, else 0). */
  everyMs: number;
  /** When it was last read. */
  readAt: number;
  cost: number;
  last: string;
  busy: boolean;
  /** An event came while a read was running: read once more after it. */
  again: boolean;
  closed: boolean;
  push?: (message: SubscriptionMessage) => void;
  stop?: () => void;
  backlog: SubscriptionMessage[];
  expiry?: NodeJS.Timeout;
}

/** Every hub of this process (tests run several gateways), counted at scrape time. */
const hubs = new Set<() => number>();
new Gauge({
  name: 'subscriptions_open',
  help: 'Subscriptions open on this gateway replica',
  registers: [metrics],
  collect() {
    this.set([...hubs].reduce((sum, size) => sum + size(), 0));
  },
});
const messagesSent = new Counter({
  name: 'subscription_messages_total',
  help: 'Messages sent to subscribers: payload, refused (over budget: a RATE_LIMITED payload), closed',
  labelNames: ['kind'] as const,
  registers: [metrics],
});

/**
 * How long an event whose change a service applies is kept for subscriptions that start meanwhile
 * (and how far back a replica reads the events again when its first subscription starts).
 */
export const RECENT_MS = 30_000;

/**
 * An id-less field (`replicationStatusUpdated`) is read at most once a second: it answers about the
 * whole system, so every event its contributors apply changes it (lag figures), and a burst of events
 * would otherwise cost a federated read per event per subscriber. Once a second is as fast as a
 * person follows a chart; the read after the last event of a burst still comes, within a second.
 */
const COALESCE_MS = 1_000;

/**
 * The gateway's subscriptions. Each runs through the same Apollo Server as every query:
 * 1. admitted whole as the subscription it is (trusted documents, validation, depth and cost
 *    limits; the rate limiter charges its estimated cost), then stopped before execution;
 * 2. answered as a query of the same selection (`orderUpdated(id) {…}` → `orderUpdated: order(id) {…}`),
 *    with the subscriber's token, so access rules and ownership checks apply to every payload. The
 *    first payload is the entity as it is when the subscription starts (an owner's refusal, e.g.
 *    FORBIDDEN, refuses the subscription); then one per event naming the entity whose answer
 *    differs from the last one sent, each charged the estimated cost (over budget: a RATE_LIMITED
 *    error payload instead). An answer with errors (the owner down) is sent as such and the
 *    subscription stays open. An id-less field (`replicationStatusUpdated` → `replicationStatus`)
 *    is read again after every event its type's services consume, at most once per `COALESCE_MS`.
 * A caller holds at most `perCaller` open subscriptions across the replicas; a subscription ends when
 * its token expires (UNAUTHENTICATED) and when the gateway shuts down (SHUTTING_DOWN).
 */
export function subscriptionHub(options: {
  fields: Map<string, SubscriptionField>;
  execute: Execute;
  /** Resolves once these services have applied the event (their consumers' jobs are done). */
  waitApplied?: (event: EventEnvelope, services: readonly Subscriber[]) => Promise<void>;
  /** Spends cost from the caller's budget; a refusal's error, or undefined. */
  charge?: (context: RateLimitContext, cost: number) => Promise<GraphQLFormattedError | undefined>;
  /** The caller's open subscriptions, counted across replicas. */
  slots: CallerSlots;
  logger: Logger;
  /** Called as a subscription starts listening, before its first read (the events' reader starts). */
  opened?: () => void;
}) {
  const byEntity = new Map<string, Set<Open>>();
  const contributors = new Map(
    [...options.fields.values()].map((field) => [field.entityType, field.contributors]),
  );
  let draining = false;

  const run = (request: SubscriptionRequest, query: string, part: IncrementalPart) =>
    options.execute({
      httpGraphQLRequest: {
        method: 'POST',
        headers: jsonHeaders(request.headers),
        search: '',
        body: {
          query,
          variables: request.variables,
          ...(request.operationName ? { operationName: request.operationName } : {}),
          extensions: request.extensions,
        },
      },
      context: async () => ({ ...(await request.context()), incremental: part }),
    });

  const resolve = async (open: Open): Promise<GraphQLResult> => {
    open.readAt = Date.now();
    try {
      const response = await run(open.request, open.query, {
        documentHash: open.request.documentHash,
        role: 'part',
      });
      if (response.body.kind !== 'complete') throw new Error('A subscription payload answered incrementally');
      const { data, errors } = JSON.parse(response.body.string) as GraphQLResult;
      return { ...(data !== undefined ? { data } : {}), ...(errors ? { errors } : {}) };
    } catch (error) {
      options.logger.error('a subscription payload failed', { error });
      return {
        errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      };
    }
  };

  const send = (open: Open, message: SubscriptionMessage) => {
    messagesSent.inc({
      kind:
        'closed' in message
          ? 'closed'
          : message.payload.errors?.[0]?.extensions?.code === 'RATE_LIMITED'
            ? 'refused'
            : 'payload',
    });
    if (!open.push) return void open.backlog.push(message);
    try {
      open.push(message);
    } catch {
      // A subscriber that has not read a thousand messages is gone or hopeless.
      close(open, [{ message: 'The subscriber reads too slowly', extensions: { code: 'SLOW_SUBSCRIBER' } }]);
    }
  };

  const forget = (open: Open) => {
    if (open.closed) return;
    open.closed = true;
    clearTimeout(open.expiry);
    const set = byEntity.get(open.entity);
    set?.delete(open);
    if (set?.size === 0) byEntity.delete(open.entity);
    options.slots.release(open.callerKey, open.id);
  };

  const close = (open: Open, errors: GraphQLFormattedError[]) => {
    if (open.closed) return;
    send(open, { closed: errors });
    forget(open);
    open.stop?.();
  };

  const deliver = async (open: Open, result: GraphQLResult) => {
    const { charge } = options;
    // A context that fails (an expired token) is answered by the payload's own errors, not charged.
    const refused = charge
      ? await open.request.context().then(
          (context) => charge(context, open.cost),
          () => undefined,
        )
      : undefined;
    send(open, { payload: refused ? { errors: [refused] } : result });
  };

  const refresh = async (open: Open) => {
    if (open.closed) return;
    if (open.busy) {
      open.again = true;
      return;
    }
    open.busy = true;
    try {
      do {
        // Events during this pause are read by the read after it.
        const pause = open.readAt + open.everyMs - Date.now();
        if (pause > 0) await new Promise((done) => setTimeout(done, pause));
        if (open.closed) break;
        open.again = false;
        const result = await resolve(open);
        const text = JSON.stringify(result);
        if (text !== open.last && !open.closed) {
          open.last = text;
          await deliver(open, result);
        }
      } while (open.again && !open.closed);
    } finally {
      open.busy = false;
    }
  };

  async function subscribe(request: SubscriptionRequest): Promise<SubscribeOutcome> {
    if (draining) return refusal(503, 'SHUTTING_DOWN', 'The gateway is shutting down: subscribe again');
    let context: RateLimitContext;
    try {
      context = await request.context();
    } catch {
      // A token that does not verify: the server answers it as it answers any request.
      return {
        refusal: await run(request, request.query, { documentHash: request.documentHash, role: 'admission' }),
      };
    }
    const callerKey = context.caller.subject
      ? `subject:${context.caller.subject}`
      : `address:${context.clientAddress}`;
    const id = randomUUID();
    // Held while it is admitted, so a burst cannot pass the limit.
    if (!(await options.slots.take(callerKey, id)))
      return refusal(
        429,
        'SUBSCRIPTION_LIMIT',
        `At most ${options.slots.limit} open subscriptions per caller: close one first`,
      );
    const open: Open = {
      id,
      request,
      callerKey,
      entity: '',
      query: '',
      everyMs: 0,
      readAt: 0,
      cost: 1,
      last: '',
      busy: false,
      again: false,
      closed: false,
      backlog: [],
    };
    const admission: IncrementalPart = { documentHash: request.documentHash, role: 'admission' };
    const answer = await run(request, request.query, admission);
    if (!admission.admitted) {
      forget(open);
      return { refusal: answer };
    }
    const translated = asQuery(
      parse(request.query),
      request.operationName,
      options.fields,
      request.variables,
    );
    if (typeof translated === 'string') {
      forget(open);
      return refusal(400, 'BAD_REQUEST', translated);
    }
    Object.assign(open, translated, { cost: Math.max(1, Math.ceil(admission.cost ?? 1)) });
    // Listening before the first read: an event meanwhile is read right after it (`again`).
    open.busy = true;
    const set = byEntity.get(open.entity) ?? new Set<Open>();
    byEntity.set(open.entity, set.add(open));
    options.opened?.();
    const first = await resolve(open);
    const value = first.data?.[translated.responseKey];
    if (first.errors?.length && (value === null || value === undefined)) {
      forget(open);
      return {
        refusal: { status: 200, headers: jsonContentType(), body: complete({ errors: first.errors }) },
      };
    }
    open.last = JSON.stringify(first);
    send(open, { payload: first });
    open.busy = false;
    if (open.again) void refresh(open);
    for (const event of recent.get(open.entity) ?? [])
      readWhenApplied(event, appliersTo(event, open.entity), [open]);
    const expiresAt = tokenExpiry(request.headers.get('authorization'));
    if (expiresAt !== undefined)
      open.expiry = setTimeout(
        () =>
          close(open, [
            {
              message: 'The token has expired: subscribe again with a new one',
              extensions: { code: 'UNAUTHENTICATED' },
            },
          ]),
        Math.max(0, expiresAt - Date.now()),
      ).unref();
    const repeater = new Repeater<SubscriptionMessage>(async (push, stop) => {
      open.push = push;
      open.stop = stop;
      for (const message of open.backlog.splice(0)) push(message);
      if (open.closed) stop();
      await stop;
      forget(open);
    });
    // Also returned before its first read (the client left while it was admitted): its slot given back.
    return { messages: endsOnReturn(repeater, () => forget(open)) };
  }

  const recent = new LRUCache<string, EventEnvelope[]>({ max: 100_000, ttl: RECENT_MS });
  const appliersTo = (event: EventEnvelope, entity: string) =>
    appliersOf(event.type, contributors.get(entity.split(':', 1)[0] ?? entity) ?? []);
  const readWhenApplied = (event: EventEnvelope, waitFor: Subscriber[], opens: Open[]) => {
    const applied =
      waitFor.length > 0 && options.waitApplied ? options.waitApplied(event, waitFor) : Promise.resolve();
    void applied.then(() => {
      for (const open of opens) void refresh(open);
    });
  };
  const size = () => [...byEntity.values()].reduce((sum, set) => sum + set.size, 0);
  hubs.add(size);
  return {
    subscribe,
    /** An event from the bus: every open subscription to an entity it may change is read again. */
    onEvent(event: EventEnvelope) {
      for (const entity of entitiesWoken(event, options.fields.values())) {
        const waitFor = appliersTo(event, entity);
        // The last three events whose change a service applies, kept until 30 s after they occurred
        // (an event read again as a replica starts listening is no younger): a subscription that starts
        // after such an event went by but before its change landed still reads it once applied.
        const left = RECENT_MS - (Date.now() - Date.parse(event.occurredAt));
        if (waitFor.length > 0 && left > 0)
          recent.set(entity, [...(recent.get(entity) ?? []).slice(-2), event], { ttl: left });
        const opens = byEntity.get(entity);
        if (opens) readWhenApplied(event, waitFor, [...opens]);
      }
    },
    /** Ends every subscription with SHUTTING_DOWN and takes no new one. */
    drain() {
      draining = true;
      hubs.delete(size);
      options.slots.close();
      for (const set of [...byEntity.values()])
        for (const open of [...set])
          close(open, [
            {
              message: 'The gateway is shutting down: subscribe again',
              extensions: { code: 'SHUTTING_DOWN' },
            },
          ]);
    },
    /** Open subscriptions on this replica. */
    size,
  };
}

export type SubscriptionHub = ReturnType<typeof subscriptionHub>;

/** The subscription's one root field as a query of the field that answers it, under the same response key. */
function asQuery(
  document: DocumentNode,
  operationName: string | undefined,
  fields: Map<string, SubscriptionField>,
  variables: Record<string, unknown>,
): { query: string; entity: string; responseKey: string; everyMs: number } | string {
  const operation = getOperationAST(document, operationName);
  const selections = operation?.selectionSet.selections ?? [];
  const root = selections[0];
  if (!operation || selections.length !== 1 || root?.kind !== Kind.FIELD)
    return 'A subscription selects exactly one field, directly (no fragment at its root)';
  const field = fields.get(root.name.value);
  const id = root.arguments?.find((arg) => arg.name.value === 'id');
  if (!field || (field.keyed && !id)) return `Subscription.${root.name.value} is not served by this gateway`;
  const responseKey = root.alias?.value ?? root.name.value;
  const query: DefinitionNode = {
    ...operation,
    operation: OperationTypeNode.QUERY,
    selectionSet: {
      ...operation.selectionSet,
      selections: [
        {
          ...root,
          alias: { kind: Kind.NAME, value: responseKey },
          name: { kind: Kind.NAME, value: field.queryField },
        },
      ],
    },
  };
  const definitions = document.definitions.flatMap((definition): DefinitionNode[] =>
    definition === operation ? [query] : definition.kind === Kind.OPERATION_DEFINITION ? [] : [definition],
  );
  return {
    query: print({ kind: Kind.DOCUMENT, definitions }),
    entity: id ? `${field.entityType}:${String(valueFromASTUntyped(id.value, variables))}` : field.entityType,
    responseKey,
    everyMs: field.keyed ? 0 : COALESCE_MS,
  };
}

function tokenExpiry(authorization: string | undefined): number | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function jsonContentType(): HeaderMap {
  return new HeaderMap([['content-type', 'application/json; charset=utf-8']]);
}

function complete(result: unknown): HTTPGraphQLResponse['body'] {
  return { kind: 'complete', string: JSON.stringify(result) };
}

function refusal(status: number, code: string, message: string): SubscribeOutcome {
  return {
    refusal: {
      status,
      headers: jsonContentType(),
      body: complete({ errors: [{ message, extensions: { code } }] }),
    },
  };
}
