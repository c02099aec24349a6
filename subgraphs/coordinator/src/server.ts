import { databaseLifecycle, databaseUrl } from '@msd/database';
import { createRetention } from '@msd/events';
import {
  type BackgroundProcess,
  createLogger,
  createSubgraphServer,
  entityInvalidationsPlugin,
  loadTypeDefs,
} from '@msd/service-kit';
import { type CrashPoint, createRenameCoordinator } from './createRenameCoordinator.ts';
import { openCoordinatorDatabase } from './data/database.ts';
import { renameLog } from './data/renameLog.ts';
import { renameParticipants } from './participants.ts';
import { type CoordinatorContext, resolvers } from './resolvers.ts';

export const typeDefs = loadTypeDefs(new URL('../schema.graphql', import.meta.url));

export interface CoordinatorOptions {
  databaseUrl?: string;
  /** The participants' GraphQL endpoints (else `PRODUCT_URL`, `ORDER_URL`). */
  productUrl?: string;
  orderUrl?: string;
  /** Per call to a participant (default 2 s; `RENAME_PARTICIPANT_TIMEOUT_MS` in index.ts). */
  participantTimeoutMs?: number;
  /** How long a STRONG call drives commits before answering COMMIT_PENDING (default 10 s; `RENAME_COMMIT_DEADLINE_MS`). */
  commitDeadlineMs?: number;
  /** Recovery pass interval; a pass finishes transactions untouched for `staleAfterMs` (5 s / 15 s). */
  recoveryIntervalMs?: number;
  staleAfterMs?: number;
  /** Test fault: the process kills itself right after this step (`COORDINATOR_CRASH_AFTER`). */
  crashAfter?: CrashPoint;
}

/**
 * The coordinator subgraph (port 4007): `renameProduct` in the public supergraph, `renameOutcome`
 * for participants in doubt (@inaccessible), and its own database holding the transaction log.
 * On start it finishes or rolls back whatever a previous run left undecided, then keeps checking.
 */
export function createCoordinatorServer(options: CoordinatorOptions = {}) {
  const db = openCoordinatorDatabase(options.databaseUrl ?? databaseUrl('coordinator'));
  const logger = createLogger('coordinator');
  const timeoutMs = options.participantTimeoutMs ?? 2_000;
  const coordinator = createRenameCoordinator({
    log: renameLog(db),
    participants: renameParticipants({
      productUrl: options.productUrl,
      orderUrl: options.orderUrl,
      timeoutMs,
    }),
    logger,
    productUrl: options.productUrl,
    timeoutMs,
    commitDeadlineMs: options.commitDeadlineMs ?? 10_000,
    crashAfter: options.crashAfter,
  });
  const staleAfterMs = options.staleAfterMs ?? 15_000;
  const intervalMs = options.recoveryIntervalMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> | undefined;
  const recovery: BackgroundProcess = {
    async start() {
      // At start nothing is in flight in this process: everything undecided is a previous run's.
      // Not awaited: the API (and `renameOutcome` for participants in doubt) serves meanwhile.
      pass = coordinator.recover(0).then(
        (found) => found > 0 && logger.info('recovery at start', { transactions: found }),
        (error: unknown) => logger.warn('recovery at start failed; the next pass retries', { error }),
      );
      timer = setInterval(() => {
        pass = coordinator
          .recover(staleAfterMs)
          .catch((error: unknown) => logger.warn('recovery failed', { error }));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
  const server = createSubgraphServer<CoordinatorContext>({
    name: 'coordinator',
    typeDefs,
    resolvers,
    context: ({ consistency }) => ({ coordinator, invalidations: [], consistency }),
    ...databaseLifecycle(db),
    background: [
      recovery,
      // Decided transactions, after RENAME_RETENTION_MS (7 days): participants in doubt ask within seconds.
      createRetention({
        db,
        logger,
        rules: [
          {
            table: 'rename_transactions',
            where: `state IN ('COMMITTED', 'ABORTED') AND decided_at < clock_timestamp() - $1 * interval '1 millisecond'`,
            retentionMs: Number(process.env.RENAME_RETENTION_MS ?? 7 * 24 * 3600 * 1000),
          },
        ],
      }),
    ],
    plugins: [entityInvalidationsPlugin],
  });
  return { ...server, coordinator };
}
