import { describe, expect, it } from 'vitest';
import { sourceEntry, startLoggedProcess } from './support/loggedProcess.ts';

/** The `invalid` field of the line a process logs before it exits on a bad configuration. */
async function refusal(entry: string, env: Record<string, string>) {
  const started = startLoggedProcess(sourceEntry(entry), env);
  const code = await started.exited;
  const line = started.output
    .map((text) => {
      try {
        return JSON.parse(text) as { msg?: string; invalid?: string[] };
      } catch {
        return {};
      }
    })
    .find((logged) => logged.invalid);
  return { code, invalid: line?.invalid, message: line?.msg ?? started.output.join('\n') };
}

describe('a process started with a bad value', () => {
  it('exits 1 before serving, naming every variable at fault', async () => {
    const { code, invalid, message } = await refusal('subgraphs/product/src/index.ts', {
      PORT: 'abc',
      REDIS_URL: 'ftp://127.0.0.1',
      DATABASE_POOL_MAX: 'many',
    });
    expect(code).toBe(1);
    expect(invalid?.sort()).toEqual(['DATABASE_POOL_MAX', 'PORT', 'REDIS_URL']);
    expect(message).toContain('PORT: Invalid input: expected number, received NaN (got "abc")');
  });

  it('checks the variables of its own schema too (the coordinator)', async () => {
    const { code, invalid } = await refusal('subgraphs/coordinator/src/index.ts', {
      RENAME_PARTICIPANT_TIMEOUT_MS: 'soon',
      COORDINATOR_CRASH_AFTER: 'LUNCH',
    });
    expect(code).toBe(1);
    expect(invalid?.sort()).toEqual(['COORDINATOR_CRASH_AFTER', 'RENAME_PARTICIPANT_TIMEOUT_MS']);
  });
});
