/**
 * @defer on the hybrid read: time to the first payload and to the last of
 * `rides(first: 20) { id driverName ... @defer { driver { name rating } } }` against the same read
 * without @defer, with the driver service healthy and hung (SIGSTOP).
 *
 * How: the in-process test federation (free ports, fresh databases, dropped at the end) with the
 * driver service as a process of its own on the driver's port, so it can be stopped; the driver's
 * default budget (1 s, one retry inside it) and a breaker that never opens, so each hung read meets
 * the budget rather than an open breaker. 20 rides over 4 drivers. One client, sequential requests,
 * the two reads alternating; medians and p90 in ms as the client sees them.
 *
 *   npx tsx stack/bench/defer.ts              # 40 healthy and 8 hung rounds (about 1.5 minutes)
 *   npx tsx stack/bench/defer.ts --rounds 10  # fewer healthy rounds
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { repoRoot } from '@msd/registry';
import { developmentToken } from '@msd/service-kit';
import { graphqlRequest, readCounter } from '@msd/testing';
import { startTestFederation } from '../src/index.ts';

const roundsFlag = process.argv.indexOf('--rounds');
const healthyRounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : 40;
const hungRounds = 8;
const deferred = 'query { rides(first: 20) { id driverName ... @defer { driver { name rating } } } }';
const whole = 'query { rides(first: 20) { id driverName driver { name rating } } }';

const federation = await startTestFederation({
  resilience: { driver: { breakerFailures: 1_000_000 }, ride: { timeoutMs: 10_000 } },
});
const token = await developmentToken('operator');
let child: ChildProcess | undefined;
try {
  const drivers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { data } = await graphqlRequest<{ createDriver: { id: string } }>(
      federation.gatewayUrl,
      'mutation ($input: CreateDriverInput!) { createDriver(input: $input) { id } }',
      { input: { name: `Bench ${i}`, car: { make: 'Kia', model: 'Niro', color: 'red', plate: `B-${i}` } } },
      { as: 'operator' },
    );
    if (!data) throw new Error('createDriver failed');
    drivers.push(data.createDriver.id);
  }
  for (let i = 0; i < 20; i++)
    await graphqlRequest(
      federation.gatewayUrl,
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "r", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
      { driverId: drivers[i % drivers.length] },
      { as: 'operator' },
    );

  const driver = federation.subgraphs.driver;
  const port = new URL(driver.url).port;
  await driver.server.stop();
  child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'subgraphs/driver/src/index.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      // The test federation's development credentials, which the driver accepts only outside production.
      NODE_ENV: 'test',
      PORT: port,
      HOST: '127.0.0.1',
      DRIVER_DATABASE_URL: driver.databaseUrl,
      EVENTS_PREFIX: `bench-${randomUUID()}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let up = false; !up; await new Promise((resolve) => setTimeout(resolve, 200))) {
    if (child.exitCode !== null) throw new Error(`the driver service exited (${child.exitCode})`);
    up = (await fetch(new URL('/health', driver.url)).catch(() => undefined))?.ok ?? false;
  }

  const rideCalls = () =>
    readCounter(federation.gatewayUrl.replace(/graphql$/, 'metrics'), 'subgraph_calls_total', {
      subgraph: 'ride',
    });
  const rideCallsBefore = await rideCalls();
  const healthy = await measure(healthyRounds);
  // Each round is one read of each kind; the read without @defer calls the ride service once.
  const rideCallsPerDeferredRead = ((await rideCalls()) - rideCallsBefore) / healthyRounds - 1;
  child.kill('SIGSTOP');
  const hung = await measure(hungRounds).finally(() => child?.kill('SIGCONT'));
  const report = {
    healthy: summarize(healthy),
    hung: summarize(hung),
    rounds: { healthy: healthyRounds, hung: hungRounds },
    rideCallsPerDeferredRead,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await federation.stop();
}

async function measure(rounds: number) {
  const samples = { deferredFirst: [] as number[], deferredLast: [] as number[], whole: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    let start = performance.now();
    const response = await post(deferred, 'multipart/mixed;deferSpec=20220824, application/json');
    let first: number | undefined;
    for await (const _chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      first ??= performance.now() - start;
    samples.deferredFirst.push(first ?? Number.NaN);
    samples.deferredLast.push(performance.now() - start);
    start = performance.now();
    await (await post(whole, 'application/json')).text();
    samples.whole.push(performance.now() - start);
  }
  return samples;
}

function post(query: string, accept: string) {
  return fetch(federation.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
}

function summarize(samples: Record<string, number[]>) {
  const at = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return (
      Math.round(10 * (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN)) / 10
    );
  };
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, { p50: at(values, 0.5), p90: at(values, 0.9) }]),
  );
}
