import type { SqlTransaction, TransactionalDatabase } from '@msd/events';
import { conflict, refused as refusedError } from '@msd/service-kit';

/** A participant's record of one coordinated rename, in its own `pending_renames` table. */
export interface PendingRename {
  transactionId: string;
  productId: string;
  name: string;
  state: 'PREPARED' | 'COMMITTED' | 'ABORTED';
  version: number | null;
}

/**
 * Fault injection for tests, per phase of the participant protocol: `fail` answers an error,
 * `fail-once` does so once and then clears itself, `hang` answers only after `hangMs` (default
 * 10 s), long after the coordinator's timeout, and then does the work: the late arrival a real
 * network produces. The object is read at every call, so a test changes it between calls.
 */
export interface RenameFaults {
  prepare?: RenameFault;
  commit?: RenameFault;
  abort?: RenameFault;
  hangMs?: number;
}
export type RenameFault = 'fail' | 'fail-once' | 'hang';

/** Applies the fault configured for `phase`, if any. */
export async function injectRenameFault(
  faults: RenameFaults | undefined,
  phase: 'prepare' | 'commit' | 'abort',
  participant: string,
): Promise<void> {
  const fault = faults?.[phase];
  if (!fault || !faults) return;
  if (fault === 'hang') {
    await new Promise((resolve) => setTimeout(resolve, faults.hangMs ?? 10_000));
    return;
  }
  if (fault === 'fail-once') delete faults[phase];
  throw refusedError(`${participant}: injected failure at ${phase}`, { reason: 'INJECTED_FAULT' });
}

/** A participant refuses: the coordinator must abort (prepare) or has asked for the impossible. */
function refused(message: string, reason: string, transactionId: string) {
  return refusedError(message, { reason, transactionId });
}

const SELECT_ROW = `SELECT transaction_id::text AS "transactionId", product_id::text AS "productId", name, state, version
  FROM pending_renames WHERE transaction_id = $1::uuid`;

/**
 * Phase one of a rename at a participant: records the intent as PREPARED and changes nothing
 * visible. Idempotent for a repeated prepare; refused with CONFLICT while another rename of the
 * same product is prepared here (the partial unique index decides, atomically), and refused when
 * the transaction was already aborted (a late prepare after its abort: the tombstone).
 */
export async function prepareRename(
  db: SqlTransaction,
  rename: { transactionId: string; productId: string; name: string },
): Promise<void> {
  // No conflict target: a clash on the primary key (a repeat) and one on the one-prepared-per-
  // product index both insert nothing; the row read back tells which it was.
  await db.$executeRawUnsafe(
    `INSERT INTO pending_renames (transaction_id, product_id, name, state)
     VALUES ($1::uuid, $2::uuid, $3, 'PREPARED') ON CONFLICT DO NOTHING`,
    rename.transactionId,
    rename.productId,
    rename.name,
  );
  const [row] = await db.$queryRawUnsafe<PendingRename[]>(SELECT_ROW, rename.transactionId);
  if (!row) {
    throw conflict(`Another rename of product ${rename.productId} is in progress`, {
      productId: rename.productId,
    });
  }
  if (row.state === 'ABORTED')
    throw refused('The transaction was already aborted', 'ABORTED', rename.transactionId);
}

/**
 * Phase two, commit: in one database transaction with the participant's own change (`apply`,
 * which returns the version it applied), the row becomes COMMITTED. Idempotent: a repeated commit
 * returns the version of the first one without applying anything again.
 */
export function commitRename<TTx extends SqlTransaction = SqlTransaction>(
  db: TransactionalDatabase,
  transactionId: string,
  apply: (tx: TTx, rename: PendingRename) => Promise<number>,
): Promise<number> {
  return db.$transaction(async (tx: TTx) => {
    const [row] = await tx.$queryRawUnsafe<PendingRename[]>(`${SELECT_ROW} FOR UPDATE`, transactionId);
    if (!row) throw refused('No such prepared transaction', 'NOT_PREPARED', transactionId);
    if (row.state === 'COMMITTED') return row.version ?? 0;
    if (row.state === 'ABORTED') throw refused('The transaction was aborted', 'ABORTED', transactionId);
    const version = await apply(tx, row);
    await tx.$executeRawUnsafe(
      `UPDATE pending_renames SET state = 'COMMITTED', version = $2, decided_at = clock_timestamp()
       WHERE transaction_id = $1::uuid`,
      transactionId,
      version,
    );
    return version;
  });
}

/**
 * Phase two, abort: drops a prepared intent. An abort for a transaction never seen here leaves an
 * ABORTED row behind, so a prepare that arrives late is refused. Idempotent; refused only for a
 * transaction already committed (which a correct coordinator never asks).
 */
export async function abortRename(
  db: SqlTransaction,
  transactionId: string,
  productId: string,
): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO pending_renames (transaction_id, product_id, name, state, decided_at)
     VALUES ($1::uuid, $2::uuid, '', 'ABORTED', clock_timestamp())
     ON CONFLICT (transaction_id) DO UPDATE SET state = 'ABORTED', decided_at = clock_timestamp()
     WHERE pending_renames.state = 'PREPARED'`,
    transactionId,
    productId,
  );
  const [row] = await db.$queryRawUnsafe<PendingRename[]>(SELECT_ROW, transactionId);
  if (row?.state === 'COMMITTED')
    throw refused('The transaction was already committed', 'COMMITTED', transactionId);
}

/** Renames prepared here longer than `olderThanMs` and still undecided: the in-doubt ones. */
export function listInDoubtRenames(db: SqlTransaction, olderThanMs: number): Promise<PendingRename[]> {
  return db.$queryRawUnsafe<PendingRename[]>(
    `SELECT transaction_id::text AS "transactionId", product_id::text AS "productId", name, state, version
     FROM pending_renames
     WHERE state = 'PREPARED' AND prepared_at < clock_timestamp() - $1 * interval '1 millisecond'
     ORDER BY prepared_at LIMIT 100`,
    olderThanMs,
  );
}
