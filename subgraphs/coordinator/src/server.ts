import { databaseLifecycle } from '@msd/database';
import { createRetention } from '@msd/events';
import {
  createLogger,
  createPeriodicTask,
  createSubgraphServer,
  entityInvalidationsPlugin,
  loadTypeDefs,
  type ServiceOptions,
  timingsOf,
} from '@msd/service-kit';
import { type CrashPoint, createRenameCoordinator } from './createRenameCoordinator.ts';
import { openCoordinatorDatabase } from './data/database.ts';
import { renameLog } from './data/renameLog.ts';
import { renameParticipants } from './participants.ts';
import { type CoordinatorContext, resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs('coordinator');

/** `services.urls` says where the participants (product, order) are. */
export interface CoordinatorOptions extends ServiceOptions {
  /** Per call to a participant (default 2 s; `RENAME_PARTICIPANT_TIMEOUT_MS` in index.ts). */
  participantTimeoutMs?: number;
  /** How long a STRONG call drives commits before answering COMMIT_PENDING (default 10 s; `RENAME_COMMIT_DEADLINE_MS`). */
  commitDeadlineMs?: number;
  /** Recovery pass interval; a pass finishes transactions untouched for `staleAfterMs` (5 s / 15 s). */
  recoveryIntervalMs?: number;
  staleAfterMs?: number;
  /** Decided transactions are deleted after this long (default 7 days): participants in doubt ask within seconds. */
  retentionMs?: number;
  /** Test fault: the process kills itself right after this step (`COORDINATOR_CRASH_AFTER`). */
  crashAfter?: CrashPoint;
}

/**
 * The coordinator subgraph (port 4007): `renameProduct` in the public supergraph, `renameOutcome`
 * for participants in doubt (@inaccessible), and its own database holding the transaction log.
 * On start it finishes or rolls back whatever a previous run left undecided, then keeps checking.
 */
export function createCoordinatorServer(options: CoordinatorOptions) {
  const db = openCoordinatorDatabase(options.databaseUrl, { max: options.databasePoolMax });
  const logger = createLogger('coordinator');
  const timeoutMs = options.participantTimeoutMs ?? 2_000;
  const coordinator = createRenameCoordinator({
    log: renameLog(db),
    participants: renameParticipants({ calls: options.services, timeoutMs }),
    logger,
    calls: options.services,
    timeoutMs,
    commitDeadlineMs: options.commitDeadlineMs ?? 10_000,
    crashAfter: options.crashAfter,
  });
  const staleAfterMs = options.staleAfterMs ?? 15_000;
  // The first pass, at start, takes everything undecided: nothing is in flight in this process yet,
  // so it is all a previous run's. Not awaited: the API (and `renameOutcome`) serves meanwhile.
  let atStart = true;
  const recovery = createPeriodicTask({
    name: 'recovery',
    intervalMs: options.recoveryIntervalMs ?? 5_000,
    logger,
    runOnStart: true,
    work: () => {
      const olderThanMs = atStart ? 0 : staleAfterMs;
      atStart = false;
      return coordinator.recover(olderThanMs);
    },
    onResult: (found) => found > 0 && logger.info('recovery finished transactions', { transactions: found }),
  });
  const server = createSubgraphServer<CoordinatorContext>({
    name: 'coordinator',
    callers: options.services.callers,
    typeDefs,
    resolvers,
    context: ({ consistency }) => ({ coordinator, invalidations: [], consistency }),
    ...databaseLifecycle(db),
    background: [
      recovery,
      createRetention({
        db,
        logger,
        intervalMs: timingsOf(options).retentionIntervalMs,
        rules: [
          {
            table: 'rename_transactions',
            where: `state IN ('COMMITTED', 'ABORTED') AND decided_at < clock_timestamp() - $1 * interval '1 millisecond'`,
            retentionMs: timingsOf(options).renameRetentionMs,
          },
        ],
      }),
    ],
    plugins: [entityInvalidationsPlugin],
  });
  return { ...server, coordinator };
}
export { coordinatorVariables } from './config.ts';
