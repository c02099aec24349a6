import { randomBytes, randomUUID } from 'node:crypto';
import { dropDatabase, migrateAll } from '@msd/database';
import { clearEventBus, eventBus } from '@msd/events';
import { databaseName, databaseUrlVariable, processes, type ServiceName, serviceNames } from '@msd/registry';
import { createLogger, developmentKeyFile } from '@msd/service-kit';
import { freePort, freePortRange } from '@msd/testing';
import type { TestProject } from 'vitest/node';
import { checkInfrastructure, launchStack, prefixOutput, seedDemoData } from '../src/index.ts';
import { serveWebClient } from '../src/launcher/serveWebClient.ts';

/**
 * Boots the stack the way `npm start` does, as eight processes over real HTTP, on free ports and
 * freshly seeded databases of this run's own (`*_e2e_<hex>`, dropped at the end), so neither a
 * developer's running stack nor another run on the same host is touched; its events travel under
 * a queue prefix of their own.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('e2e');
  await checkInfrastructure(logger, process.env);
  const run = randomBytes(4).toString('hex');
  const e2eDatabase = (service: ServiceName) => `${databaseName(service)}_e2e_${run}`;
  const dropDatabases = () => Promise.all(serviceNames.map((service) => dropDatabase(e2eDatabase(service))));
  try {
    return await launch(project, e2eDatabase, dropDatabases);
  } catch (error) {
    await dropDatabases();
    throw error;
  }
}

async function launch(
  project: TestProject,
  e2eDatabase: (service: ServiceName) => string,
  dropDatabases: () => Promise<unknown>,
) {
  const logger = createLogger('e2e');
  const webPort = await freePort();
  const urls = await migrateAll({ database: e2eDatabase, log: () => {} });
  const env = Object.fromEntries(
    serviceNames.map((service) => [databaseUrlVariable(service), urls[service]]),
  );
  await seedDemoData(logger, (service) => urls[service]);
  const bus = eventBus({ prefix: `e2e-${randomUUID()}` });
  const portBase = await freePortRange(processes.length);
  const stack = await launchStack({
    logger,
    environment: process.env,
    portBase,
    env: {
      ...env,
      EVENTS_PREFIX: bus.prefix,
      LOG_LEVEL: 'warn',
      // The stack lives through the whole run, beside the other tiers' files: two connections each.
      DATABASE_POOL_MAX: '2',
      CORS_ORIGINS: `http://localhost:${webPort}`,
      // The browser drills hold a copy stale on purpose; a scheduled repair must not end it early.
      RECONCILE_INTERVAL_MS: '600000',
      // The browser drill parks an event: 8 attempts from 10 ms park it in about a second (100 ms: 6 to 13 s).
      EVENT_RETRY_DELAY_MS: '10',
    },
    output: prefixOutput(process.stderr),
    readyTimeoutMs: 180_000, // a shared CI machine under load starts eight processes slowly
  });
  const web = await serveWebClient({
    gatewayUrl: stack.gatewayUrl,
    port: webPort,
    keyFile: developmentKeyFile(process.env),
    production: false,
  });
  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide('webUrl', web.url);
  project.provide('driverPid', stack.pids().driver ?? 0);
  project.provide('orderPid', stack.pids().order ?? 0);
  project.provide('orderDatabaseUrl', urls.order);
  const portOf = (name: string) => processes.find((process) => process.name === name)!.port;
  project.provide(
    'productUrl',
    `http://127.0.0.1:${portBase + portOf('product') - portOf('gateway')}/graphql`,
  );
  return async () => {
    await web.close();
    await stack.stop();
    await clearEventBus(bus);
    await dropDatabases();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    /** The web client, served as `npm start` serves it. */
    webUrl: string;
    /** The driver service's process, for the degraded-ride drill (SIGSTOP, then SIGCONT). */
    driverPid: number;
    /** The order service's process, for the STRONG rename refused while a participant is down. */
    orderPid: number;
    /** The product service, called directly (not through the gateway). */
    productUrl: string;
    /** The order service's database, to make its consumer fail until it parks an event. */
    orderDatabaseUrl: string;
  }
}
