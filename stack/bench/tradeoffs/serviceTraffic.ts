/**
 * Calls between services, counted where they arrive rather than assumed from the query plan: each
 * service's `http_request_duration_seconds` count for its GraphQL route (the gateway's fetches and
 * the services' calls to each other alike), and the events its consumers took off the bus
 * (`events_consumed_total`, every outcome).
 */
import { readCounter } from '@msd/testing';

export interface TrafficSnapshot {
  /** Per process: GraphQL requests it received. */
  calls: Record<string, number>;
  /** Per process: events its consumers took. */
  events: Record<string, number>;
}

export interface Traffic {
  /** GraphQL requests the services received, in all and per service. */
  calls: number;
  callsTo: Record<string, number>;
  /** Events consumed, in all (every subscriber's delivery counts). */
  events: number;
}

/**
 * A snapshot of the processes at `ports` (name → port). A paused process never answers its
 * /metrics, so the caller leaves it out; what it would have received is not counted.
 */
export async function trafficSnapshot(ports: Record<string, number>): Promise<TrafficSnapshot> {
  const entries = await Promise.all(
    Object.entries(ports).map(async ([name, port]) => {
      const metrics = `http://127.0.0.1:${port}/metrics`;
      const [calls, events] = await Promise.all([
        readCounter(metrics, 'http_request_duration_seconds_count', { route: 'graphql' }),
        readCounter(metrics, 'events_consumed_total'),
      ]);
      return [name, { calls, events }] as const;
    }),
  );
  return {
    calls: Object.fromEntries(entries.map(([name, { calls }]) => [name, calls])),
    events: Object.fromEntries(entries.map(([name, { events }]) => [name, events])),
  };
}

/** What arrived between two snapshots, over the processes of the second. */
export function trafficBetween(a: TrafficSnapshot, b: TrafficSnapshot): Traffic {
  const callsTo = Object.fromEntries(
    Object.entries(b.calls).map(([name, calls]) => [name, calls - (a.calls[name] ?? calls)]),
  );
  const events = Object.entries(b.events).reduce((sum, [name, n]) => sum + n - (a.events[name] ?? n), 0);
  return { calls: Object.values(callsTo).reduce((x, y) => x + y, 0), callsTo, events };
}
