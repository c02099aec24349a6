import type { SqlTransaction, TransactionalDatabase } from '@msd/events';
import {
  createPeriodicTask,
  createServiceClient,
  type Logger,
  metrics,
  type PeriodicTask,
  type ServiceCalls,
} from '@msd/service-kit';
import { Counter } from 'prom-client';
import { abortRename, listInDoubtRenames, type PendingRename, type RenameFaults } from './preparedRenames.ts';

/** How a service takes part in STRONG renames (tests set faults and short timings). */
export interface RenameParticipantOptions {
  /** Fault injection for tests (see `RenameFaults`); read at every call. */
  faults?: RenameFaults;
  /** How the coordinator is reached (`urls.coordinator`), asked about in-doubt renames. */
  calls: ServiceCalls;
  /** A prepared rename is asked about after this long (default 3 s). */
  inDoubtAfterMs?: number;
  /** Decided renames (COMMITTED, ABORTED) are deleted after this long (default 7 days). */
  retentionMs?: number;
}

/** What the coordinator's log says about a transaction; UNKNOWN when it has no such row. */
export interface RenameOutcome {
  state: 'PREPARING' | 'COMMITTING' | 'COMMITTED' | 'ABORTING' | 'ABORTED' | 'UNKNOWN';
  /** The product version the rename committed at, once the product service has committed it. */
  version: number | null;
}

/** Asks the coordinator (its `renameOutcome` query, with the service credential) how a transaction ended. */
export function renameOutcomeClient(calls: ServiceCalls, timeoutMs = 2_000) {
  const client = createServiceClient('coordinator', calls, { timeoutMs });
  return async (transactionId: string): Promise<RenameOutcome> => {
    const data = await client.request<{ renameOutcome: RenameOutcome }>(
      'query ($id: ID!) { renameOutcome(transactionId: $id) { state version } }',
      { id: transactionId },
    );
    return data.renameOutcome;
  };
}

const inDoubtQueries = new Counter({
  name: 'rename_in_doubt_queries_total',
  help: "A participant's questions to the coordinator about renames it prepared and never heard of again, by answer: decided, waiting (PREPARING or UNKNOWN) or unreachable",
  labelNames: ['participant', 'answer'] as const,
  registers: [metrics],
});

/** `run()` is one pass now; it returns how many in-doubt renames it decided. */
export type InDoubtResolver = PeriodicTask<number>;

/**
 * The participant's side of recovery: a rename it prepared and never heard about again (the
 * coordinator died, or its commit or abort was lost) is settled by asking the coordinator, never
 * by guessing. Commit when the log says COMMITTING or COMMITTED, abort when it says ABORTING or
 * ABORTED, and keep waiting while it says PREPARING or has no answer.
 */
export function createInDoubtResolver(options: {
  participant: string;
  db: SqlTransaction & TransactionalDatabase;
  logger: Logger;
  /** How the coordinator is reached and when a rename is in doubt. */
  settings: RenameParticipantOptions;
  /** Applies the committed rename; false when it cannot yet (the order service waits for the version). */
  commit: (rename: PendingRename, outcome: RenameOutcome) => Promise<boolean>;
  intervalMs?: number;
}): InDoubtResolver {
  const { participant, logger, db } = options;
  const askOutcome = renameOutcomeClient(options.settings.calls);
  // Default 3 s: well beyond a coordinator's round.
  const afterMs = options.settings.inDoubtAfterMs ?? 3_000;

  const resolveOnce = async () => {
    let decided = 0;
    for (const rename of await listInDoubtRenames(db, afterMs)) {
      try {
        const outcome = await askOutcome(rename.transactionId);
        const before = decided;
        if (outcome.state === 'COMMITTING' || outcome.state === 'COMMITTED') {
          if (await options.commit(rename, outcome)) decided++;
        } else if (outcome.state === 'ABORTING' || outcome.state === 'ABORTED') {
          await abortRename(db, rename.transactionId, rename.productId);
          decided++;
        }
        inDoubtQueries.inc({ participant, answer: decided > before ? 'decided' : 'waiting' });
        if (outcome.state === 'UNKNOWN') {
          logger.warn('in-doubt rename unknown to the coordinator; still waiting', {
            participant,
            transaction: rename.transactionId,
          });
        }
      } catch (error) {
        inDoubtQueries.inc({ participant, answer: 'unreachable' });
        logger.warn('in-doubt rename: coordinator not reachable, will ask again', {
          participant,
          transaction: rename.transactionId,
          error,
        });
      }
    }
    if (decided > 0) logger.info('in-doubt renames settled by the coordinator', { participant, decided });
    return decided;
  };

  return createPeriodicTask({
    name: `in-doubt resolver of ${participant}`,
    intervalMs: options.intervalMs ?? Math.min(2_000, afterMs),
    logger,
    work: resolveOnce,
  });
}
