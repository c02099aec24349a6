import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entryPoint = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe('the coordinator in production', () => {
  it('refuses to start with a crash drill configured, naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', entryPoint], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        SERVICE_TOKEN: 'a-production-service-token',
        COORDINATOR_CRASH_AFTER: 'PREPARED',
        LOG_FORMAT: 'json',
        PORT: '0',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      'COORDINATOR_CRASH_AFTER: is a test hook, refused in production',
    );
  });
});
