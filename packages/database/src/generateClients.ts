import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, type ServiceName } from '@msd/registry';
import { includeSharedTables } from './schemaFiles.ts';

const run = promisify(execFile);

/**
 * Runs `prisma generate` for each service's schema folder (all of them by default), in parallel,
 * after copying in the shared tables it includes.
 */
export async function generateClients(
  only: readonly ServiceName[],
  /** The environment the Prisma CLI runs with (the caller's own). */
  environment: NodeJS.ProcessEnv,
): Promise<void> {
  const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  // No update check: installs must work offline, and the check only adds a failing request there.
  const env: NodeJS.ProcessEnv = { CHECKPOINT_DISABLE: '1', ...environment };
  // Offline installs lack the native schema engine (its postinstall download fails silently), and
  // the CLI refuses to start without one even though `generate` never runs it. Any executable
  // satisfies the check; Node itself is one that is always there.
  if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !nativeEngineInstalled()) {
    env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
  }
  const results = await Promise.allSettled(
    only.map(async (service) => {
      const schema = path.relative(repoRoot, await includeSharedTables(service));
      await run(process.execPath, [prismaCli, 'generate', '--schema', schema], { cwd: repoRoot, env }).catch(
        (error: { stdout?: string; stderr?: string; message: string }) => {
          throw new Error(
            `prisma generate failed for ${service}:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
          );
        },
      );
      console.log(`${service}: client generated`);
    }),
  );
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason as Error] : [],
  );
  if (failures.length) throw new Error(failures.map((failure) => failure.message).join('\n'));
}

function nativeEngineInstalled(): boolean {
  const enginesDir = path.dirname(createRequire(import.meta.url).resolve('@prisma/engines/package.json'));
  return readdirSync(enginesDir).some((file) => file.startsWith('schema-engine-'));
}
