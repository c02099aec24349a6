import { counterIn } from './counterIn.ts';

/** Reads one Prometheus counter (all label sets matching `labels`, summed) from a /metrics endpoint. */
export async function readCounter(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return counterIn(await (await fetch(metricsUrl)).text(), name, labels);
}
