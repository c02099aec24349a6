import { z } from 'zod';
import { crashPoints } from './createRenameCoordinator.ts';

const milliseconds = z.coerce.number().int().min(1);

/** The variables only the coordinator reads (beyond every process's, `processConfig`). */
export const coordinatorVariables = {
  RENAME_PARTICIPANT_TIMEOUT_MS: milliseconds
    .default(2_000)
    .describe('Per call to a participant of a rename'),
  RENAME_COMMIT_DEADLINE_MS: milliseconds
    .default(10_000)
    .describe('How long a STRONG call drives commits before it answers COMMIT_PENDING (recovery finishes)'),
  RENAME_RECOVERY_INTERVAL_MS: milliseconds
    .default(5_000)
    .describe('How often recovery looks for undecided renames'),
  RENAME_RECOVERY_AFTER_MS: milliseconds
    .default(15_000)
    .describe('How long an undecided rename must sit untouched before recovery takes it over'),
  COORDINATOR_CRASH_AFTER: z
    .enum(crashPoints)
    .optional()
    .describe('Crash drills only: the process kills itself right after this step'),
};
