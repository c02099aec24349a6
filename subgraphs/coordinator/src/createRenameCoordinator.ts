import { randomUUID } from 'node:crypto';
import {
  badUserInput,
  conflict,
  createServiceClient,
  isUuid,
  type Logger,
  notFound,
  requireText,
  type ServiceCalls,
} from '@msd/service-kit';
import { GraphQLError } from 'graphql';
import type { RenameLog, RenameTransactionRecord } from './data/renameLog.ts';
import type { Participant, ParticipantName, RenameIntent } from './participants.ts';

/**
 * Steps after which a test can make the coordinator die (`COORDINATOR_CRASH_AFTER`): each is
 * right after the log records it (PREPARED: every vote is in, nothing decided yet;
 * PRODUCT_COMMITTED: the product committed, the order copies not yet).
 */
export const crashPoints = [
  'PREPARING',
  'PREPARED',
  'COMMITTING',
  'PRODUCT_COMMITTED',
  'COMMITTED',
  'ABORTING',
  'ABORTED',
] as const;
export type CrashPoint = (typeof crashPoints)[number];

export interface RenameCoordinatorOptions {
  log: RenameLog;
  participants: readonly [Participant, Participant];
  logger: Logger;
  /** Where the product service is (its entities are read after a rename), and the credential. */
  calls: ServiceCalls;
  /** Per call to a participant. */
  timeoutMs: number;
  /** How long a request keeps driving commits before it answers COMMIT_PENDING (recovery finishes). */
  commitDeadlineMs: number;
  crashAfter?: CrashPoint | undefined;
}

export interface ProductReference {
  __typename: 'Product';
  id: string;
  /** The product's version after the rename, for the caller's consistency token. */
  version: number;
}

/**
 * The coordinator of product renames. EVENTUAL is the product service's own write (and event).
 * STRONG is two-phase commit over the product service and the order service's copies, every state
 * logged before its step: prepare everywhere, then commit everywhere, or abort everywhere.
 */
export function createRenameCoordinator(options: RenameCoordinatorOptions) {
  const { log, participants, logger } = options;
  const [product, order] = participants;
  const productApi = createServiceClient('product', options.calls, { timeoutMs: options.timeoutMs });
  /** Transactions this process is driving right now: recovery leaves them alone. */
  const inFlight = new Set<string>();

  const crashPoint = (step: CrashPoint) => {
    if (options.crashAfter !== step) return;
    logger.error('crash point reached: dying now', { step });
    process.kill(process.pid, 'SIGKILL');
  };

  /**
   * Sends abort to every participant. Only those in `awaited` are waited for (the ones that voted
   * yes: the client's answer must not come before their intent is dropped); one that failed or
   * timed out at prepare is told in the background, so a dead participant does not make the error
   * wait twice. A participant that misses its abort while holding a prepared intent asks the
   * coordinator later and hears ABORTED; one that never prepared keeps a tombstone.
   */
  const abortAll = async (rename: RenameIntent, awaited: readonly Participant[] = participants) => {
    const sent = participants.map((participant) =>
      participant.abort(rename).catch((error: unknown) => {
        logger.warn('abort not acknowledged; the participant will ask', {
          transaction: rename.id,
          participant: participant.name,
          error,
        });
      }),
    );
    await Promise.all(sent.filter((_, i) => awaited.includes(participants[i] as Participant)));
  };

  /**
   * Commits everywhere, product first (it assigns the version), then the copies at that version;
   * retries with backoff until `deadline`. True once the log says COMMITTED.
   */
  const driveCommit = async (
    record: RenameIntent & { version: number | null },
    deadline: number,
  ): Promise<
    { done: true; version: number } | { done: false; participant: ParticipantName; error: unknown }
  > => {
    let version = record.version;
    let delay = 25;
    for (;;) {
      let current: Participant = product;
      try {
        if (version === null) {
          version = await product.commit(record, null);
          await log.recordVersion(record.id, version);
          crashPoint('PRODUCT_COMMITTED');
        }
        current = order;
        await order.commit(record, version);
        await log.move(record.id, 'COMMITTING', 'COMMITTED');
        crashPoint('COMMITTED');
        return { done: true, version };
      } catch (error) {
        if (Date.now() + delay > deadline) return { done: false, participant: current.name, error };
        logger.warn('commit not applied yet, retrying', {
          transaction: record.id,
          participant: current.name,
          error,
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 1_000);
      }
    }
  };

  const renameStrong = async (productId: string, name: string): Promise<ProductReference> => {
    const rename: RenameIntent = { id: randomUUID(), productId, name };
    inFlight.add(rename.id);
    try {
      if (!(await log.begin(rename))) {
        throw conflict(`Another STRONG rename of product ${productId} is in progress; try again`, {
          productId,
          participant: 'coordinator',
        });
      }
      crashPoint('PREPARING');
      const votes = await Promise.allSettled(participants.map((p) => p.prepare(rename)));
      crashPoint('PREPARED');
      const refusal = votes.findIndex((vote) => vote.status === 'rejected');
      if (refusal === -1 && (await log.move(rename.id, 'PREPARING', 'COMMITTING'))) {
        crashPoint('COMMITTING');
        const outcome = await driveCommit(
          { ...rename, version: null },
          Date.now() + options.commitDeadlineMs,
        );
        if (!outcome.done) throw commitPending(rename, outcome.participant, outcome.error);
        return { __typename: 'Product', id: productId, version: outcome.version };
      }
      // A refusal, or recovery (another instance) aborted this transaction while it waited.
      const failed = refusal === -1 ? undefined : participants[refusal];
      const error = failed ? (votes[refusal] as PromiseRejectedResult).reason : undefined;
      await log.move(rename.id, 'PREPARING', 'ABORTING', {
        failedParticipant: failed?.name ?? 'coordinator',
        error: error instanceof Error ? error.message : 'aborted by recovery',
      });
      crashPoint('ABORTING');
      await abortAll(
        rename,
        participants.filter((_, i) => votes[i]?.status === 'fulfilled'),
      );
      await log.move(rename.id, 'ABORTING', 'ABORTED');
      crashPoint('ABORTED');
      throw prepareFailed(rename, failed?.name ?? 'coordinator', error);
    } finally {
      inFlight.delete(rename.id);
    }
  };

  const renameEventual = async (productId: string, name: string): Promise<ProductReference> => {
    let version: number;
    try {
      const data = await productApi.request<{ updateProduct: { version: number } }>(
        'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id version } }',
        { id: productId, name },
      );
      version = data.updateProduct.version;
    } catch (error) {
      const code = upstreamCode(error);
      if (code === 'NOT_FOUND') throw notFound(`No product with id "${productId}"`, { id: productId });
      if (code === 'BAD_USER_INPUT') throw badUserInput((error as Error).message, { field: 'name' });
      throw error;
    }
    return { __typename: 'Product', id: productId, version };
  };

  /** Finishes or rolls back what a dead (or slow) coordinator left undecided, as its log says. */
  const recoverOne = async (record: RenameTransactionRecord, commitDeadlineMs: number) => {
    if (inFlight.has(record.id)) return;
    if (record.state === 'PREPARING') {
      // No decision was logged, so nobody can have committed: abort is the only safe outcome.
      if (
        !(await log.move(record.id, 'PREPARING', 'ABORTING', {
          failedParticipant: 'coordinator',
          error: 'the coordinator stopped before deciding',
        }))
      )
        return;
      record.state = 'ABORTING';
    }
    if (record.state === 'ABORTING') {
      await abortAll(record);
      await log.move(record.id, 'ABORTING', 'ABORTED');
      logger.info('recovery rolled back a rename', { transaction: record.id });
      return;
    }
    const outcome = await driveCommit(record, Date.now() + commitDeadlineMs);
    if (outcome.done) logger.info('recovery completed a rename', { transaction: record.id });
  };

  /** One recovery pass over what has been undecided for `olderThanMs`; returns how many it found. */
  const recover = async (olderThanMs: number, commitDeadlineMs = options.commitDeadlineMs) => {
    const unfinished = await log.listUnfinished(olderThanMs);
    for (const record of unfinished) {
      try {
        await recoverOne(record, commitDeadlineMs);
      } catch (error) {
        logger.warn('recovery of a rename failed; next pass retries', { transaction: record.id, error });
      }
    }
    return unfinished.length;
  };

  return {
    async renameProduct(args: { id: string; name: string; consistency: 'STRONG' | 'EVENTUAL' }) {
      const name = requireText(args.name, 'name');
      if (!isUuid(args.id)) throw notFound(`No product with id "${args.id}"`, { id: args.id });
      return args.consistency === 'STRONG' ? renameStrong(args.id, name) : renameEventual(args.id, name);
    },
    async outcome(transactionId: string) {
      const record = isUuid(transactionId) ? await log.find(transactionId) : null;
      return { transactionId, state: record?.state ?? 'UNKNOWN', version: record?.version ?? null };
    },
    recover,
  };
}

export type RenameCoordinator = ReturnType<typeof createRenameCoordinator>;

function upstreamCode(error: unknown): string | undefined {
  const code = (error as GraphQLError).extensions?.upstreamCode;
  return typeof code === 'string' ? code : undefined;
}

/** What the client hears when prepare failed somewhere: nothing changed, and who is to blame. */
function prepareFailed(rename: RenameIntent, participant: string, error: unknown): GraphQLError {
  const code = upstreamCode(error);
  const details = { participant, transactionId: rename.id, rolledBack: true };
  if (code === 'NOT_FOUND') return notFound(`No product with id "${rename.productId}"`, details);
  if (code === 'BAD_USER_INPUT') return badUserInput((error as Error).message, { ...details, field: 'name' });
  if (code === 'CONFLICT')
    return conflict(
      `Another STRONG rename of product ${rename.productId} is in progress; try again`,
      details,
    );
  const timedOut = (error as GraphQLError | undefined)?.extensions?.timedOut === true;
  const reason = error instanceof Error ? error.message : 'aborted before the decision';
  return new GraphQLError(
    `The rename was rolled back everywhere: the ${participant} participant ${timedOut ? 'did not answer in time' : 'failed'} at prepare (${reason})`,
    { extensions: { code: 'PARTICIPANT_FAILED', ...details, phase: 'prepare', timedOut } },
  );
}

/**
 * The decision was commit, and a participant has not applied it within the request's deadline.
 * Two-phase commit blocks here by design: the rename is not rolled back (others may have applied
 * it); recovery keeps committing until that participant answers.
 */
function commitPending(rename: RenameIntent, participant: ParticipantName, error: unknown): GraphQLError {
  return new GraphQLError(
    `The rename is committed and the ${participant} participant has not applied it yet; the coordinator completes it when ${participant} answers`,
    {
      extensions: {
        code: 'COMMIT_PENDING',
        participant,
        transactionId: rename.id,
        phase: 'commit',
        reason: error instanceof Error ? error.message : String(error),
      },
    },
  );
}
