/**
 * Where the read path spends its CPU: every process of the stack runs under `node --cpu-prof`, each
 * read of `gateway/readQueries.ts` is sent through the gateway in a closed loop for a few seconds,
 * and each process's profile is summarized over each query's window only (areas and functions, self
 * and inclusive). This is how the before/after figures of docs/performance.md were taken.
 *
 *   npm run bench:profile                   # 4 reads × 10 s, about 2 minutes
 *   npm run bench:profile -- --quick        # 3 s per read
 *   npm run bench:profile -- --help
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readQueries } from './gateway/readQueries.ts';
import {
  benchOptions,
  closedLoop,
  columns,
  cpuBetween,
  cpuMsPerRequest,
  describeEnvironment,
  loadFigures,
  logger,
  monotonicMicros,
  type ProfileSummary,
  publish,
  readProfiles,
  round,
  runBench,
  stackProcesses,
  startBenchStack,
  summarizeProfile,
} from './harness/index.ts';

const options = benchOptions(
  'npm run bench:profile -- [--quick] [--<figure> <value>]',
  { connections: 10, seconds: 10, warmUpSeconds: 3 },
  { seconds: 3, warmUpSeconds: 1 },
);
const { config } = options;
const portBase = 4500;

runBench('profile', { watchdogMs: 10 * 60_000, environment: process.env }, async (run) => {
  const profileDir = path.join(os.tmpdir(), `msd-profiles-${randomUUID()}`);
  mkdirSync(profileDir, { recursive: true });
  const bench = await startBenchStack(run, {
    portBase,
    demoData: true,
    env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
  });
  const names = stackProcesses();
  const cpu = bench.cpuMeter();
  const environment = await describeEnvironment(bench.urls.order, bench.bus, cpu);
  const url = bench.stack.gatewayUrl;
  const load = (query: (typeof readQueries)[number], seconds: number) =>
    closedLoop({
      url,
      connections: config.connections,
      seconds,
      body: () => JSON.stringify({ query: query.query }),
      check: query.check,
      signal: run.signal,
    });

  for (const query of readQueries) await load(query, config.warmUpSeconds);
  const windows = [];
  for (const query of readQueries) {
    logger.info('profiling', { query: query.name, seconds: config.seconds });
    const before = cpu.snapshot();
    const fromMicros = monotonicMicros();
    const stats = await load(query, config.seconds);
    const toMicros = monotonicMicros();
    const figures = loadFigures(stats);
    const use = cpuBetween(before, cpu.snapshot());
    windows.push({ query: query.name, fromMicros, toMicros, figures, cpu: use });
  }
  // The profiles are written as each process exits.
  await bench.stack.stop();
  const profiles = readProfiles(profileDir);
  const results = windows.map(({ query, fromMicros, toMicros, figures, cpu: use }) => ({
    query,
    requestsPerSecond: figures.requestsPerSecond,
    failed: figures.failed,
    problems: figures.problems,
    latencyMs: figures.latencyMs,
    cpuMsPerRequest: cpuMsPerRequest(use, figures.requestsPerSecond),
    profiles: Object.fromEntries(
      [...names].flatMap(([pid, name]) => {
        const profile = profiles.get(Number(pid));
        return profile ? [[name, summarizeProfile(profile, { fromMicros, toMicros })]] : [];
      }),
    ) as Record<string, ProfileSummary>,
  }));

  const blocks = results.flatMap((r) => [
    `\n${r.query}: ${r.requestsPerSecond} requests/s, ${r.failed} failed${Object.keys(r.problems).length ? ` (${JSON.stringify(r.problems)})` : ''}, p50 ${r.latencyMs.p50} ms; CPU ms/request ${Object.entries(
      r.cpuMsPerRequest,
    )
      .filter(([, ms]) => ms > 0.05)
      .map(([group, ms]) => `${group} ${ms}`)
      .join(', ')}`,
    ...Object.entries(r.profiles)
      .filter(([name]) => ['gateway', 'order', 'product', 'inventory', 'driver', 'ride'].includes(name))
      .filter(([, summary]) => summary.busyMs > 200)
      .flatMap(([name, summary]) => [
        `  ${name} (${summary.busyMs} ms sampled): ${Object.entries(summary.areas)
          .slice(0, 8)
          .map(([area, percent]) => `${area} ${percent}%`)
          .join(', ')}`,
        columns(summary.topSelf.slice(0, 8), {
          'self %': (f) => f.percent,
          function: (f) => f.fn,
          area: (f) => f.area,
        }),
      ]),
  ]);
  publish(
    run,
    options,
    environment,
    { profileDir, results },
    {
      title: `CPU profiles of the read path (${config.connections} connections, ${config.seconds} s per read)`,
      blocks: [...blocks, `\nprofiles (open in Chrome DevTools or speedscope): ${profileDir}`],
    },
  );
  logger.info('done', { seconds: round((Date.now() - run.startedAt.getTime()) / 1000, 0) });
});
