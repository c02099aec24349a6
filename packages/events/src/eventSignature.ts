import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { processes } from '@msd/registry';
import { eventKeyVariable } from '@msd/service-kit';
import { stringify } from 'safe-stable-stringify';
import type { EventEnvelope, EventType } from './contracts.ts';

/** A process that publishes events, as named in the registry. */
export type Producer = (typeof processes)[number]['name'];

/** HMAC keys by producer: a producer signs with its own, a consumer verifies with its producers'. */
export type EventKeys = Partial<Record<Producer, string>>;

/** Who publishes each event type, from the registry's `publishes` (one producer per type). */
export function producerOf(type: EventType): Producer | undefined {
  return processes.find((entry) => (entry.publishes as readonly string[]).includes(type))?.name;
}

/**
 * The development key of a producer: derived from its name, so every process agrees without
 * configuration, and public (anyone with the repository can compute it): never for production,
 * where each producer's key comes from configuration.
 */
export function developmentEventKey(producer: Producer): string {
  return createHash('sha256').update(`msd development event key: ${producer}`).digest('base64url');
}

/** Every producer's development key. */
export function developmentEventKeys(): EventKeys {
  return Object.fromEntries(
    processes
      .filter((entry) => entry.publishes.length > 0)
      .map((entry) => [entry.name, developmentEventKey(entry.name)]),
  );
}

/** What the signature covers: everything a consumer applies (the trace context is not applied, so not covered). */
function signedText(event: EventEnvelope): string {
  const { id, type, aggregateId, version, occurredAt, payload } = event;
  // Keys sorted: the same event signs the same however its payload was serialized on the way.
  return stringify({ id, type, aggregateId, version, occurredAt, payload }) ?? '';
}

/** The HMAC-SHA256 of an event under its producer's key (base64url). */
export function signEvent(event: EventEnvelope, key: string): string {
  return createHmac('sha256', key).update(signedText(event)).digest('base64url');
}

/** Thrown for an event whose signature does not verify: never applied, parked at once. */
export class UnverifiedEvent extends Error {}

/**
 * Checks that `data` was signed by the producer of its type (the registry's publisher) with that
 * producer's key. Throws `UnverifiedEvent` saying why: no signature, no known producer, or a
 * signature made with another key (a forger's, or another producer's).
 */
export function verifyEvent(data: unknown, keys: EventKeys): void {
  const event = (data ?? {}) as Partial<EventEnvelope> & { signature?: unknown };
  if (typeof event.signature !== 'string' || event.signature === '')
    throw new UnverifiedEvent('Unverified event: it carries no signature');
  const producer = typeof event.type === 'string' ? producerOf(event.type as EventType) : undefined;
  const key = producer && keys[producer];
  if (!key) throw new UnverifiedEvent(`Unverified event: no key for the producer of ${String(event.type)}`);
  const expected = Buffer.from(signEvent(event as EventEnvelope, key));
  const given = Buffer.from(event.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new UnverifiedEvent(`Unverified event: the signature is not ${producer}'s`);
}

/**
 * The keys of a process, from its parsed configuration (`<PRODUCER>_EVENT_KEY`): outside production,
 * a producer without one gets its development key; in production only configured keys exist, and
 * `processConfig` has refused to start without those the process needs.
 */
export function eventKeys(config: Record<string, unknown>): EventKeys {
  const production = config.NODE_ENV === 'production';
  const keys: EventKeys = {};
  for (const entry of processes) {
    if (entry.publishes.length === 0) continue;
    const configured = config[eventKeyVariable(entry.name)];
    if (typeof configured === 'string') keys[entry.name] = configured;
    else if (!production) keys[entry.name] = developmentEventKey(entry.name);
  }
  return keys;
}
