import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { dropDatabase } from '@msd/database';
import type { TestProject } from 'vitest/node';
import { type DatabaseTemplates, dropRunTestDatabases } from '../testDatabase.ts';

/** The templates, made by a process of its own (see makeDatabaseTemplates.ts). */
async function createDatabaseTemplates(runId: string) {
  const script = fileURLToPath(new URL('./makeDatabaseTemplates.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, runId], {
    maxBuffer: 1 << 20,
  });
  const templates = JSON.parse(stdout) as DatabaseTemplates;
  return {
    runId,
    templates,
    // The run's test databases, closed by their files, then the templates they copied.
    drop: async () => {
      await dropRunTestDatabases(runId);
      await Promise.all(Object.values(templates).map((name) => dropDatabase(name)));
    },
  };
}

/**
 * Global setup of a vitest project: migrates one template database per service, once per run, for
 * every test database of the run to copy (see `setupDatabaseTemplates.ts`); drops them at the end.
 */
export default async function setup(project: TestProject) {
  // The tiers that use templates share one set, made by the first and dropped by the last.
  shared.databaseTemplates ??= {
    made: createDatabaseTemplates(randomBytes(4).toString('hex')),
    users: 0,
  };
  const run = shared.databaseTemplates;
  run.users++;
  const { templates, runId } = await run.made;
  project.provide('databaseTemplates', templates);
  project.provide('testDatabaseRun', runId);
  return async () => {
    if (--run.users > 0) return;
    shared.databaseTemplates = undefined;
    await (await run.made).drop();
  };
}

/** Global setups of several projects run in one process, each loading this module anew. */
const shared = globalThis as {
  databaseTemplates?: { made: ReturnType<typeof createDatabaseTemplates>; users: number };
};

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplates: DatabaseTemplates;
    /** The run whose test databases are dropped at its end (`dropRunTestDatabases`). */
    testDatabaseRun: string;
  }
}
