import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql-js, as in production: Node resolves `graphql` to its CommonJS build for
    // @apollo/server and @apollo/gateway, and vite would give our sources the ESM build, whose
    // schema types fail graphql-js's instanceof checks against the gateway's schema.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    // Every test file gets its own databases and ports, so files run in parallel safely.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            '{packages,subgraphs,gateway,supergraph}/**/*.test.ts',
            'stack/test/**/*.test.ts',
            'stack/bench/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/generated/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['stack/e2e/**/*.test.ts'],
          globalSetup: ['stack/e2e/globalSetup.ts'],
          // One stack for every file, and the browser test stops a service: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
