import { consistencyReadVariables } from '@msd/service-kit';
import { z } from 'zod';

/** The variables only the order service reads (beyond every process's, `processConfig`). */
export const orderVariables = {
  REACTION_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(60_000)
    .describe(
      'An order whose reactions (stock decision, shipment) are not complete after this long is driven on',
    ),
  REACTION_REPAIR_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(15_000)
    .describe('How often overdue orders are looked for'),
  ...consistencyReadVariables,
};

const defaults = z.object(orderVariables).parse({});

/** The reaction timings, defaults from `orderVariables`. */
export const defaultReactionTimings = {
  reactionDeadlineMs: defaults.REACTION_DEADLINE_MS,
  reactionRepairIntervalMs: defaults.REACTION_REPAIR_INTERVAL_MS,
};
