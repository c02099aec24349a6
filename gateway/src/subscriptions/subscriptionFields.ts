import {
  type EventEnvelope,
  type EventType,
  eventPayloads,
  queueName,
  type Subscriber,
  subscriptions,
} from '@msd/events';
import {
  buildSchema,
  type ConstDirectiveNode,
  type EnumValueDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  Kind,
} from 'graphql';
import { z } from 'zod';

/**
 * A subscription field the gateway serves: `orderUpdated(id)` is answered by `order(id)`, about one
 * `Order`; `replicationStatusUpdated` by `replicationStatus`, about the one answer it has.
 */
export interface SubscriptionField {
  field: string;
  queryField: string;
  entityType: string;
  /** The services that resolve fields of the entity (`Order`: order, shipping). */
  contributors: string[];
  /**
   * Whether it follows one entity by `id`, woken by the events that name it; else it follows the one
   * answer of an argument-less Query field, woken by every event its contributors consume.
   */
  keyed: boolean;
}

/**
 * The supergraph's subscription fields, each with the query field that answers it: the Query field
 * of the same type and the same arguments, `id` among them or none at all. A subscription field
 * without one, or with arguments but no `id`, stops the gateway at start: it could never be answered.
 */
export function subscriptionFields(supergraphSdl: string): Map<string, SubscriptionField> {
  const schema: GraphQLSchema = buildSchema(supergraphSdl, { assumeValid: true, assumeValidSDL: true });
  const found = new Map<string, SubscriptionField>();
  const queries = Object.values(schema.getQueryType()?.getFields() ?? {});
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const entityType = getNamedType(field.type).name;
    const args = field.args.map((arg) => arg.name).sort();
    const query = queries.find(
      (candidate) =>
        getNamedType(candidate.type).name === entityType &&
        candidate.args
          .map((arg) => arg.name)
          .sort()
          .join() === args.join(),
    );
    if (!query || (args.length > 0 && !args.includes('id')))
      throw new Error(
        `Subscription.${field.name} has no Query field of type ${entityType} with the arguments (${args.join(', ')}) to answer it`,
      );
    const type = schema.getType(entityType);
    found.set(field.name, {
      field: field.name,
      queryField: query.name,
      entityType,
      contributors: type ? contributorsOf(schema, type) : [],
      keyed: args.length > 0,
    });
  }
  return found;
}

/** The graphs that resolve a type (its `@join__type`s, stubs with `resolvable: false` left out), by service name. */
function contributorsOf(schema: GraphQLSchema, type: GraphQLNamedType): string[] {
  const argument = (directive: ConstDirectiveNode, name: string) =>
    directive.arguments?.find((arg) => arg.name.value === name)?.value;
  const graphs = new Map<string, string>();
  const graphEnum = schema.getType('join__Graph')?.astNode;
  const values: readonly EnumValueDefinitionNode[] =
    graphEnum?.kind === Kind.ENUM_TYPE_DEFINITION ? (graphEnum.values ?? []) : [];
  for (const value of values) {
    const name = value.directives?.find((directive) => directive.name.value === 'join__graph');
    const given = name && argument(name, 'name');
    if (given?.kind === Kind.STRING) graphs.set(value.name.value, given.value);
  }
  return (type.astNode?.directives ?? []).flatMap((directive) => {
    if (directive.name.value !== 'join__type') return [];
    const resolvable = argument(directive, 'resolvable');
    if (resolvable?.kind === Kind.BOOLEAN && !resolvable.value) return [];
    const graph = argument(directive, 'graph');
    const service = graph?.kind === Kind.ENUM ? graphs.get(graph.value) : undefined;
    return service ? [service] : [];
  });
}

/** `Order` → `orderId`: how the event contracts name an entity they concern. */
const idKey = (entityType: string) => `${entityType[0]?.toLowerCase()}${entityType.slice(1)}Id`;

/** The keys anywhere in a contract's payload (`items[].productId` included). */
function keysOf(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject)
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([key, value]) => [
      key,
      ...keysOf(value),
    ]);
  if (schema instanceof z.ZodArray) return keysOf(schema.element as z.ZodType);
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional)
    return keysOf(schema.unwrap() as z.ZodType);
  return [];
}

/**
 * The events that may change an entity of these types, read from the event contracts: those whose
 * payload names one (`orderId`, `items[].productId`). OrderCreated concerns its products (their
 * stock is reserved next), StockReserved its order, and so on.
 */
export function eventsAbout(entityTypes: Iterable<string>): EventType[] {
  const keys = [...entityTypes].map(idKey);
  return (Object.keys(eventPayloads) as EventType[]).filter((event) =>
    keysOf(eventPayloads[event]).some((key) => keys.includes(key)),
  );
}

/**
 * The events the subscription fields follow: those about an entity of a keyed field's type
 * (`eventsAbout`), and those that a contributor of an id-less field's type consumes (registry).
 */
export function eventsFollowed(fields: Iterable<SubscriptionField>): EventType[] {
  const all = [...fields];
  const about = eventsAbout(all.filter((field) => field.keyed).map((field) => field.entityType));
  return (Object.keys(eventPayloads) as EventType[]).filter(
    (event) =>
      about.includes(event) ||
      all.some((field) => !field.keyed && appliersOf(event, field.contributors).length > 0),
  );
}

/**
 * What the hub re-reads after an event, as it keys its subscriptions: `Order:o1` for each entity of
 * a keyed field's type that the event names, `ReplicationStatus` for an id-less field whose
 * contributors consume the event.
 */
export function entitiesWoken(event: EventEnvelope, fields: Iterable<SubscriptionField>): string[] {
  const all = [...fields];
  const keyed = new Set(all.filter((field) => field.keyed).map((field) => field.entityType));
  const whole = new Set(
    all
      .filter((field) => !field.keyed && appliersOf(event.type, field.contributors).length > 0)
      .map((field) => field.entityType),
  );
  return [...entitiesNamed(event, keyed), ...whole];
}

/** The entities an event names, as `Type:id`, for the given types. */
export function entitiesNamed(event: EventEnvelope, entityTypes: Iterable<string>): string[] {
  const found = new Set<string>();
  const wanted = new Map([...entityTypes].map((type) => [idKey(type), type]));
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object')
      for (const [key, inner] of Object.entries(value)) {
        const type = wanted.get(key);
        if (type && typeof inner === 'string') found.add(`${type}:${inner}`);
        else walk(inner);
      }
  };
  walk(event.payload);
  return [...found];
}

/**
 * The services that apply an event to an entity whose type these services resolve: those that
 * consume it (the registry) and contribute fields of the type (the supergraph). A payload about
 * the entity is read once they have applied it.
 */
export function appliersOf(event: EventType, contributors: readonly string[]): Subscriber[] {
  return (subscriptions[event] ?? []).filter(
    (service) => service !== 'gateway' && contributors.includes(service),
  );
}

/** Every (event, service) whose applying a subscription payload may wait for. */
export function appliedPairs(
  fields: Map<string, SubscriptionField>,
): { event: EventType; service: Subscriber }[] {
  const pairs = new Map<string, { event: EventType; service: Subscriber }>();
  for (const field of fields.values())
    for (const event of eventsFollowed([field]))
      for (const service of appliersOf(event, field.contributors))
        pairs.set(queueName(event, service), { event, service });
  return [...pairs.values()];
}
