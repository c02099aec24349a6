import type { CoordinatorDatabase } from './database.ts';
import type { RenameState } from './generated/client.ts';

export type { RenameState };

export interface RenameTransactionRecord {
  id: string;
  productId: string;
  name: string;
  state: RenameState;
  failedParticipant: string | null;
  error: string | null;
  version: number | null;
}

const COLUMNS = `id::text AS id, product_id::text AS "productId", name, state::text AS state,
  failed_participant AS "failedParticipant", error, version`;

/**
 * The coordinator's durable log (`rename_transactions`): every state is written, and committed,
 * before the step it announces. Moves are compare-and-set on the current state, so a request and
 * a recovery pass (here or in another instance) can never take two different decisions.
 */
export function renameLog(db: CoordinatorDatabase) {
  return {
    /**
     * Logs a new transaction as PREPARING; false when another STRONG rename of the product is
     * PREPARING or COMMITTING (the partial unique index decides, atomically).
     */
    async begin(record: { id: string; productId: string; name: string }): Promise<boolean> {
      const inserted = await db.$executeRaw`
        INSERT INTO rename_transactions (id, product_id, name, state)
        VALUES (${record.id}::uuid, ${record.productId}::uuid, ${record.name}, 'PREPARING')
        ON CONFLICT DO NOTHING`;
      return inserted === 1;
    },

    /** Moves `from` → `to`; false when the transaction is no longer in `from`. */
    async move(
      id: string,
      from: RenameState,
      to: RenameState,
      details: { failedParticipant?: string | null; error?: string | null } = {},
    ): Promise<boolean> {
      const decided = to === 'COMMITTED' || to === 'ABORTED';
      const moved = await db.$executeRaw`
        UPDATE rename_transactions
        SET state = ${to}::"RenameState", updated_at = clock_timestamp(),
            failed_participant = COALESCE(${details.failedParticipant ?? null}, failed_participant),
            error = COALESCE(${details.error ?? null}, error),
            decided_at = CASE WHEN ${decided} THEN clock_timestamp() ELSE decided_at END
        WHERE id = ${id}::uuid AND state = ${from}::"RenameState"`;
      return moved === 1;
    },

    /** Records the version the product service committed at (needed to commit the copies). */
    async recordVersion(id: string, version: number): Promise<void> {
      await db.$executeRaw`
        UPDATE rename_transactions SET version = ${version}, updated_at = clock_timestamp()
        WHERE id = ${id}::uuid`;
    },

    async find(id: string): Promise<RenameTransactionRecord | null> {
      const rows = await db.$queryRawUnsafe<RenameTransactionRecord[]>(
        `SELECT ${COLUMNS} FROM rename_transactions WHERE id = $1::uuid`,
        id,
      );
      return rows[0] ?? null;
    },

    /** Undecided transactions not touched for `olderThanMs`: what recovery finishes or rolls back. */
    listUnfinished(olderThanMs: number): Promise<RenameTransactionRecord[]> {
      return db.$queryRawUnsafe<RenameTransactionRecord[]>(
        `SELECT ${COLUMNS} FROM rename_transactions
         WHERE state IN ('PREPARING', 'COMMITTING', 'ABORTING')
           AND updated_at <= clock_timestamp() - $1 * interval '1 millisecond'
         ORDER BY created_at LIMIT 100`,
        olderThanMs,
      );
    },
  };
}

export type RenameLog = ReturnType<typeof renameLog>;
