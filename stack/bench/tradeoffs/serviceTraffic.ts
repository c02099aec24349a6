/**
 * Calls between services, counted where they arrive rather than assumed from the query plan: each
 * service's `http_request_duration_seconds` count for its GraphQL route (the gateway's fetches and
 * the services' calls to each other alike; a client's request to a gateway is not one), and the
 * events every process's consumers took off the bus (`events_consumed_total`, every outcome).
 *
 * A gateway's /metrics checks every subgraph with a `{ __typename }` call when it is scraped
 * (`subgraph_up`): gateways are scraped before the services at the start of a window and after them
 * at its end, so those checks fall outside it.
 */
import { counterIn } from '@msd/testing';

/** The /metrics text of each process at `ports` (name → port), one scrape each. */
export async function scrapeMetrics(ports: Record<string, number>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(ports).map(async ([name, port]) => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
        signal: AbortSignal.timeout(10_000),
      });
      return [name, await response.text()] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export interface Scrape {
  /** The services' /metrics (a paused one left out: it would never answer). */
  services: Record<string, string>;
  gateways: Record<string, string>;
}

export interface Traffic {
  /** GraphQL requests the services received, in all and per service. */
  calls: number;
  callsTo: Record<string, number>;
  /** Events consumed by every process scraped (every subscriber's delivery counts). */
  events: number;
}

const calls = (text: string) => counterIn(text, 'http_request_duration_seconds_count', { route: 'graphql' });
const events = (text: string) => counterIn(text, 'events_consumed_total');

/** Opens a window: the gateways, then the services. */
export async function scrapeBefore(
  services: Record<string, number>,
  gateways: Record<string, number>,
): Promise<Scrape> {
  const gatewayTexts = await scrapeMetrics(gateways);
  return { services: await scrapeMetrics(services), gateways: gatewayTexts };
}

/** Closes a window: the services, then the gateways. */
export async function scrapeAfter(
  services: Record<string, number>,
  gateways: Record<string, number>,
): Promise<Scrape> {
  const serviceTexts = await scrapeMetrics(services);
  return { services: serviceTexts, gateways: await scrapeMetrics(gateways) };
}

/** What arrived between two scrapes of the same processes. */
export function trafficBetween(a: Scrape, b: Scrape): Traffic {
  const callsTo = Object.fromEntries(
    Object.entries(b.services).map(([name, text]) => [name, calls(text) - calls(a.services[name] ?? text)]),
  );
  const consumed = (s: Scrape) =>
    Object.fromEntries(
      Object.entries({ ...s.services, ...s.gateways }).map(([name, text]) => [name, events(text)]),
    );
  const [before, after] = [consumed(a), consumed(b)];
  return {
    calls: Object.values(callsTo).reduce((x, y) => x + y, 0),
    callsTo,
    events: Object.entries(after).reduce((sum, [name, n]) => sum + n - (before[name] ?? n), 0),
  };
}
