import { readFileSync } from 'node:fs';
import path from 'node:path';
import { processes, repoRoot } from '@msd/registry';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number>;
}

const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const prometheus = parse(readFileSync(path.join(repoRoot, 'ops/prometheus/prometheus.yml'), 'utf8')) as {
  scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
};

/**
 * The host:port where a compose process serves /metrics, in the mode compose runs it. Every service
 * serves it on its own port in every mode; the gateway in production only on `ADMIN_PORT` (and
 * nowhere without one), as stack/test/productionFrontDoor.test.ts proves of the running gateway.
 */
function metricsTarget(name: string, service: ComposeService): string | undefined {
  const env = service.environment ?? {};
  const production = env.NODE_ENV === 'production';
  const port = name === 'gateway' && production ? env.ADMIN_PORT : env.PORT;
  return port === undefined ? undefined : `${name}:${port}`;
}

describe('the Prometheus targets of the compose stack', () => {
  it('scrape every process where it serves /metrics, one job per process', () => {
    const scraped = Object.fromEntries(
      prometheus.scrape_configs.map((job) => [
        job.job_name,
        { path: job.metrics_path ?? '/metrics', targets: job.static_configs.flatMap((c) => c.targets) },
      ]),
    );
    const expected = Object.fromEntries(
      processes.map(({ name }) => {
        const service = compose.services[name];
        if (!service) throw new Error(`docker-compose.yml runs no ${name}`);
        const target = metricsTarget(name, service);
        if (!target) throw new Error(`${name} serves /metrics on no port as compose runs it`);
        return [name, { path: '/metrics', targets: [target] }];
      }),
    );
    expect(scraped).toEqual(expected);
  });

  it('are the jobs the dashboard and the alert rules select', () => {
    const jobs = new Set(prometheus.scrape_configs.map((job) => job.job_name));
    const selected = ['ops/grafana/dashboards/consistency.json', 'ops/prometheus/alerts.yml'].flatMap(
      (file) =>
        [...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/job=\\?"(\w+)\\?"/g)].map((m) => m[1]),
    );
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.filter((job) => !jobs.has(job ?? ''))).toEqual([]);
  });
});
