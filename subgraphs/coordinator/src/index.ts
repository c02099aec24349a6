import { startTelemetry } from '@msd/telemetry';
import { z } from 'zod';

// Tracing first: what it instruments (http, pg, graphql) must load after it.
await startTelemetry('coordinator');
const { ConfigError, runProcess } = await import('@msd/service-kit');
const { crashPoints } = await import('./createRenameCoordinator.ts');

await runProcess(
  'coordinator',
  async (config) => {
    // A crash drill is a test hook: a production coordinator that kills itself is refused at start.
    if (config.NODE_ENV === 'production' && config.COORDINATOR_CRASH_AFTER)
      throw new ConfigError(['COORDINATOR_CRASH_AFTER: is a test hook, refused in production']);
    const { createCoordinatorServer } = await import('./server.ts');
    return createCoordinatorServer({
      participantTimeoutMs: config.RENAME_PARTICIPANT_TIMEOUT_MS,
      commitDeadlineMs: config.RENAME_COMMIT_DEADLINE_MS,
      crashAfter: config.COORDINATOR_CRASH_AFTER,
      recoveryIntervalMs: config.RENAME_RECOVERY_INTERVAL_MS,
      staleAfterMs: config.RENAME_RECOVERY_AFTER_MS,
    });
  },
  {
    RENAME_PARTICIPANT_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
    RENAME_COMMIT_DEADLINE_MS: z.coerce.number().int().min(1).default(10_000),
    /** How often recovery looks for undecided renames, and how long one must sit untouched to be taken over. */
    RENAME_RECOVERY_INTERVAL_MS: z.coerce.number().int().min(1).default(5_000),
    RENAME_RECOVERY_AFTER_MS: z.coerce.number().int().min(1).default(15_000),
    /** Crash drills only: the process kills itself right after this step. */
    COORDINATOR_CRASH_AFTER: z.enum(crashPoints).optional(),
  },
);
