import { randomUUID } from 'node:crypto';
import { dropDatabase, migrateAll } from '@msd/database';
import { clearEventBus, eventBus } from '@msd/events';
import { databaseName, databaseUrlVariable, type ServiceName, serviceNames } from '@msd/registry';
import { createLogger } from '@msd/service-kit';
import type { TestProject } from 'vitest/node';
import { checkInfrastructure, launchStack, prefixOutput, seedDemoData } from '../src/index.ts';

/**
 * Boots the stack the way `npm start` does, as eight processes over real HTTP, on its own ports
 * (gateway 4100) and its own freshly seeded databases (`*_e2e`), so a developer's running stack
 * and its data are never touched; its events travel under a queue prefix of their own.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('e2e');
  await checkInfrastructure(logger);
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
    portBase: 4100,
    env: { ...env, EVENTS_PREFIX: bus.prefix, LOG_LEVEL: 'warn' },
    output: prefixOutput(process.stderr),
  });
  project.provide('gatewayUrl', stack.gatewayUrl);
  return async () => {
    await stack.stop();
    await clearEventBus(bus);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
  }
}
