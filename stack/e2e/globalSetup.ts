import { randomUUID } from 'node:crypto';
import { dropDatabase, migrateAll } from '@msd/database';
import { clearEventBus, eventBus } from '@msd/events';
import { databaseName, databaseUrlVariable, type ServiceName, serviceNames } from '@msd/registry';
import { createLogger, developmentKeyFile } from '@msd/service-kit';
import type { TestProject } from 'vitest/node';
import {
  checkInfrastructure,
  environmentInfrastructure,
  launchStack,
  prefixOutput,
  seedDemoData,
} from '../src/index.ts';
import { serveWebClient } from '../src/launcher/serveWebClient.ts';

/** The web client's port in the e2e stack: next to the stack's 4100-4107. */
const WEB_PORT = 4108;

/**
 * Boots the stack the way `npm start` does, as eight processes over real HTTP, on its own ports
 * (gateway 4100) and its own freshly seeded databases (`*_e2e`), so a developer's running stack
 * and its data are never touched; its events travel under a queue prefix of their own.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('e2e');
  await checkInfrastructure(logger, environmentInfrastructure(process.env));
  const e2eDatabase = (service: ServiceName) => `${databaseName(service)}_e2e`;
  for (const service of serviceNames) await dropDatabase(e2eDatabase(service));
  const urls = await migrateAll({ database: e2eDatabase, log: () => {} });
  const env = Object.fromEntries(
    serviceNames.map((service) => [databaseUrlVariable(service), urls[service]]),
  );
  await seedDemoData(logger, (service) => urls[service]);
  const bus = eventBus({ prefix: `e2e-${randomUUID()}` });
  const stack = await launchStack({
    logger,
    environment: process.env,
    portBase: 4100,
    env: {
      ...env,
      EVENTS_PREFIX: bus.prefix,
      LOG_LEVEL: 'warn',
      CORS_ORIGINS: `http://localhost:${WEB_PORT}`,
      // The browser drills hold a copy stale on purpose; a scheduled repair must not end it early.
      RECONCILE_INTERVAL_MS: '600000',
    },
    output: prefixOutput(process.stderr),
    readyTimeoutMs: 180_000, // a shared CI machine under load starts eight processes slowly
  });
  const web = await serveWebClient({
    gatewayUrl: stack.gatewayUrl,
    port: WEB_PORT,
    keyFile: developmentKeyFile(process.env),
    production: false,
  });
  project.provide('gatewayUrl', stack.gatewayUrl);
  project.provide('webUrl', web.url);
  project.provide('driverPid', stack.pids().driver ?? 0);
  project.provide('orderPid', stack.pids().order ?? 0);
  project.provide('eventsPrefix', bus.prefix);
  return async () => {
    await web.close();
    await stack.stop();
    await clearEventBus(bus);
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
    /** The stack's queue prefix, to pause a consumer's queue and park an event. */
    eventsPrefix: string;
  }
}
