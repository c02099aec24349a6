import { createRetention, type SqlTransaction, type TransactionalDatabase } from '@msd/events';
import type { BackgroundProcess } from '@msd/service-kit';
import { createLogger, refused, requireText } from '@msd/service-kit';
import type { GraphQLFieldResolver } from 'graphql';
import {
  createInDoubtResolver,
  type InDoubtResolver,
  type RenameParticipantOptions,
} from './createInDoubtResolver.ts';
import { abortRename, injectRenameFault, prepareRename } from './preparedRenames.ts';
import { type RenameParticipantName, renameProtocol } from './renameProtocol.ts';

type ParticipantDatabase = SqlTransaction & TransactionalDatabase;

/** What a service brings to the rename protocol; the protocol itself is the same for every participant. */
export interface RenameParticipantSpec<Db extends ParticipantDatabase, Context extends { db: Db }> {
  /** Which participant it is: its protocol fields are `renameProtocol[participant]`. */
  participant: RenameParticipantName;
  /** Checks a prepare in the service's terms; throws a typed error (NOT_FOUND, BAD_USER_INPUT) to refuse it. */
  validate(productId: string, context: Context): Promise<void>;
  /**
   * Applies a prepared rename in one transaction with its participant record. `version` is the
   * product version the rename committed at where known (null before the product service, which
   * assigns it, has committed). Returns the version applied, or null when it cannot commit yet.
   */
  commit(db: Db, transactionId: string, version: number | null): Promise<number | null>;
}

export interface RenameParticipant<Context> {
  /** Resolvers of the three protocol mutations, merged into the service's Mutation type. */
  mutations: Record<string, GraphQLFieldResolver<unknown, Context>>;
  /** Settles renames prepared here whose decision never arrived, by asking the coordinator. */
  inDoubtResolver: InDoubtResolver;
  /**
   * Deletes decided renames (COMMITTED, ABORTED) after `retentionMs` (default 7 days): long after
   * any late prepare or commit could arrive, which is all an ABORTED tombstone is for.
   */
  retention: BackgroundProcess;
}

/**
 * A service as a participant of the coordinator's STRONG renames: prepare, commit and abort on its
 * internal API (the subgraph endpoint, which needs the service credential), and the in-doubt
 * resolver beside it. The service supplies only its validation and its commit step.
 */
export function createRenameParticipant<Db extends ParticipantDatabase, Context extends { db: Db }>(
  spec: RenameParticipantSpec<Db, Context>,
  db: Db,
  options: RenameParticipantOptions,
): RenameParticipant<Context> {
  const { participant } = spec;
  const fields = renameProtocol[participant];
  const faults = options.faults;
  const mutations = {
    [fields.prepare]: async (
      _: unknown,
      args: { transactionId: string; productId: string; name: string },
      context: Context,
    ) => {
      await injectRenameFault(faults, 'prepare', participant);
      const name = requireText(args.name, 'name');
      await spec.validate(args.productId, context);
      await prepareRename(context.db, { transactionId: args.transactionId, productId: args.productId, name });
      return true;
    },
    [fields.commit]: async (
      _: unknown,
      { transactionId, version }: { transactionId: string; version?: number },
      context: Context,
    ) => {
      await injectRenameFault(faults, 'commit', participant);
      const applied = await spec.commit(context.db, transactionId, version ?? null);
      if (applied === null)
        throw refused(`${participant}: the rename commits at the product's version, which was not given`, {
          reason: 'VERSION_REQUIRED',
          transactionId,
        });
      return applied;
    },
    [fields.abort]: async (
      _: unknown,
      { transactionId, productId }: { transactionId: string; productId: string },
      context: Context,
    ) => {
      await injectRenameFault(faults, 'abort', participant);
      await abortRename(context.db, transactionId, productId);
      return true;
    },
  } as RenameParticipant<Context>['mutations'];
  const inDoubtResolver = createInDoubtResolver({
    participant,
    db,
    logger: createLogger(participant),
    settings: options,
    commit: async (rename, outcome) =>
      (await spec.commit(db, rename.transactionId, outcome.version)) !== null,
  });
  const retention = createRetention({
    db,
    logger: createLogger(participant),
    rules: [
      {
        table: 'pending_renames',
        where: `state <> 'PREPARED' AND decided_at < clock_timestamp() - $1 * interval '1 millisecond'`,
        retentionMs: options.retentionMs ?? 7 * 24 * 3600 * 1000,
      },
    ],
  });
  return { mutations, inDoubtResolver, retention };
}
