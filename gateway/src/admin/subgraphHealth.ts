import { createHttpClient, type HttpClient, metrics, SERVICE_TOKEN_HEADER } from '@msd/service-kit';
import { Gauge } from 'prom-client';

/** Every gateway of this process (tests run several), reported on its /metrics at scrape time. */
const reporters = new Set<() => Promise<SubgraphHealthReport>>();
new Gauge({
  name: 'subgraph_up',
  help: 'Whether the subgraph answered the gateway’s health check (1) or not (0)',
  labelNames: ['subgraph'] as const,
  registers: [metrics],
  async collect() {
    for (const report of reporters) {
      const { subgraphs: entries } = await report();
      for (const [name, entry] of Object.entries(entries))
        this.set({ subgraph: name }, entry.status === 'ok' ? 1 : 0);
    }
  },
});

export interface SubgraphHealthReport {
  /** True when every subgraph answers and no circuit is open. */
  healthy: boolean;
  subgraphs: Record<string, { status: string; circuit: string }>;
}

/**
 * Each subgraph's health as the gateway sees it: whether it answers `{ __typename }` with the
 * service credential within 2 s, and its circuit state. This is a report for operators and
 * monitors, not the gateway's readiness: a subgraph outage degrades answers (null fields with
 * errors), it does not make the gateway unable to serve. Checked at most once a second, however
 * often it is asked; also exported as `subgraph_up{subgraph}` on /metrics.
 */
export function subgraphHealth(
  subgraphs: () => ReadonlyMap<string, { url: string; circuit: () => string; credential: string }>,
) {
  let last: { at: number; report: Promise<SubgraphHealthReport> } | undefined;
  const clients = new Map<string, HttpClient>();
  const clientOf = (url: string) => {
    const client = clients.get(url) ?? createHttpClient(url, { timeoutMs: 2_000, connections: 1 });
    clients.set(url, client);
    return client;
  };
  const check = async (): Promise<SubgraphHealthReport> => {
    const entries = await Promise.all(
      [...subgraphs()].map(async ([name, { url, circuit, credential }]) => {
        const state = circuit();
        try {
          if (state === 'open') throw new Error('circuit open: failing fast');
          const { status } = await clientOf(url).post('{"query":"{ __typename }"}', {
            [SERVICE_TOKEN_HEADER]: credential,
          });
          if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
          return [name, { status: 'ok', circuit: state }] as const;
        } catch (error) {
          return [name, { status: (error as Error).message || 'failed', circuit: state }] as const;
        }
      }),
    );
    return {
      healthy: entries.every(([, entry]) => entry.status === 'ok'),
      subgraphs: Object.fromEntries(entries),
    };
  };
  const report = () => {
    if (!last || Date.now() - last.at > 1_000) last = { at: Date.now(), report: check() };
    return last.report;
  };
  reporters.add(report);
  return {
    report,
    close: async () => {
      reporters.delete(report);
      await Promise.all([...clients.values()].map((client) => client.close()));
    },
  };
}
