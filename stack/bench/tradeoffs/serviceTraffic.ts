/**
 * Calls between services, counted where they arrive (each service's GraphQL request count), and
 * events consumed by every process, from their /metrics. A gateway's /metrics calls every subgraph
 * (`subgraph_up`): a window opens with the gateways scraped before the services and closes with them
 * scraped after, so those calls fall outside it.
 */
import { counterIn } from '@msd/testing';

/** The /metrics text of each process at `ports` (name → port), one scrape each. */
export async function scrapeMetrics(ports: Record<string, number>): Promise<Record<string, string>> {
  const scrape = async ([name, port]: [string, number]) => {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return [name, await response.text()] as const;
  };
  return Object.fromEntries(await Promise.all(Object.entries(ports).map(scrape)));
}

/** The services' /metrics (a paused one left out: it would never answer) and the gateways'. */
export interface Scrape {
  services: Record<string, string>;
  gateways: Record<string, string>;
}

/** Opens (`before`) or closes a window: the gateways outside the services. */
export async function scrape(
  services: Record<string, number>,
  gateways: Record<string, number>,
  when: 'before' | 'after',
): Promise<Scrape> {
  const first = await scrapeMetrics(when === 'before' ? gateways : services);
  const second = await scrapeMetrics(when === 'before' ? services : gateways);
  return when === 'before' ? { gateways: first, services: second } : { services: first, gateways: second };
}

const calls = (text: string) => counterIn(text, 'http_request_duration_seconds_count', { route: 'graphql' });
const events = (text: string) => counterIn(text, 'events_consumed_total');

/** GraphQL requests the services received (in all and per service), and events consumed by every process scraped. */
export function trafficBetween(a: Scrape, b: Scrape) {
  const callsTo = Object.fromEntries(
    Object.entries(b.services).map(([name, text]) => [name, calls(text) - calls(a.services[name] ?? text)]),
  );
  const before = { ...a.services, ...a.gateways };
  return {
    calls: Object.values(callsTo).reduce((x, y) => x + y, 0),
    callsTo,
    events: Object.entries({ ...b.services, ...b.gateways }).reduce(
      (sum, [name, text]) => sum + events(text) - events(before[name] ?? text),
      0,
    ),
  };
}
export type Traffic = ReturnType<typeof trafficBetween>;
