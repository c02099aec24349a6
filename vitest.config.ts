import { defineConfig } from 'vitest/config';

export default defineConfig({
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
          include: ['{packages,subgraphs,gateway,supergraph}/**/*.test.ts', 'stack/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/generated/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['stack/e2e/**/*.test.ts'],
          globalSetup: ['stack/e2e/globalSetup.ts'],
        },
      },
    ],
  },
});
