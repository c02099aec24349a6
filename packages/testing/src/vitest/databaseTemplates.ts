import { randomBytes } from 'node:crypto';
import { serviceNames } from '@msd/registry';
import type { TestProject } from 'vitest/node';
import { createDatabaseTemplates, type DatabaseTemplates } from '../testDatabase.ts';

/**
 * Global setup of a vitest project: migrates one template database per service, once per run, for
 * every test database of the run to copy (see `setupDatabaseTemplates.ts`); drops them at the end.
 */
export default async function setup(project: TestProject) {
  const { templates, drop } = await createDatabaseTemplates(serviceNames, randomBytes(4).toString('hex'));
  project.provide('databaseTemplates', templates);
  return drop;
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplates: DatabaseTemplates;
  }
}
