import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

/** Files that need nothing running: no PostgreSQL, no Redis, no process of ours. */
const unit = [
  'gateway/test/{analyzeOperation,cors,createCallerVerifier,gatewayConfig,readAccessPolicy,resilienceConfig,sharedFetches,splitDeferred}.test.ts',
  'packages/database/test/createMigration.test.ts',
  'packages/service-kit/test/{loadConfig,logging,shutdown}.test.ts',
  'stack/bench/tradeoffs/tradeoffsPage.test.ts',
  'supergraph/*.test.ts',
];
const excluded = ['**/node_modules/**', '**/generated/**'];
/** Test databases copy one migrated template per service, made once per run. */
const databaseTemplates = {
  globalSetup: ['packages/testing/src/vitest/databaseTemplates.ts'],
  setupFiles: ['packages/testing/src/vitest/setupDatabaseTemplates.ts'],
};

export default defineConfig({
  resolve: {
    // One graphql-js, as in production: Node resolves `graphql` to its CommonJS build for
    // @apollo/server and @apollo/gateway, and vite would give our sources the ESM build, whose
    // schema types fail graphql-js's instanceof checks against the gateway's schema.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Vitest's default is one worker per core but one, which is a single worker on 2 cores. Most
    // files wait on PostgreSQL, Redis, timers and child processes rather than compute, so the
    // tiers below run more files at once than there are cores; this caps the whole run.
    // At most two files at once: each federation holds PostgreSQL connections, the e2e stack holds
    // its own from the start of the run, and a default server has 100 (three files at once ran out).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Compute only (composition, PGlite, parsing).
        test: { name: 'unit', include: unit, exclude: excluded, maxWorkers: 3 },
      },
      {
        extends: true,
        test: {
          // One service or library in-process against the real PostgreSQL and Redis; every file
          // has its own databases and queue prefixes.
          name: 'integration',
          include: ['{packages,subgraphs,gateway}/**/*.test.ts'],
          exclude: [...excluded, ...unit],
          maxWorkers: 3,
          ...databaseTemplates,
        },
      },
      {
        extends: true,
        test: {
          // The services together (an in-process federation, or our processes, compiled or not),
          // each file on its own databases, free ports and queue prefix.
          name: 'system',
          include: ['stack/test/**/*.test.ts', 'stack/bench/**/*.test.ts', 'stack/e2e/support/*.test.ts'],
          exclude: [...excluded, ...unit],
          maxWorkers: 3,
          globalSetup: [...databaseTemplates.globalSetup, 'stack/test/support/globalSetup.ts'],
          setupFiles: databaseTemplates.setupFiles,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['stack/e2e/*.test.ts'],
          globalSetup: ['stack/e2e/globalSetup.ts'],
          // A browser driving the web client through eight processes is slow on a loaded 2-core machine.
          testTimeout: 90_000,
          // One stack for every file, and the browser test stops a service: files run one after another,
          // after the other tiers (projects run together only with the same number of workers).
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
