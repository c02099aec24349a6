import type { SqlTransaction } from './appendToOutbox.ts';
import type { EventEnvelope } from './contracts.ts';
import type { EffectOutcome } from './createEventConsumer.ts';
import type { OwnerState } from './createReconciler.ts';

/** Where a copied field lives in the consumer's database. Identifiers come from code, never from input. */
export interface FieldCopySpec {
  table: string;
  /** Column holding the owner's id (indexed). */
  key: string;
  /** Column holding the copied value. */
  value: string;
  /** Column holding the owner's version the value reflects. */
  version: string;
}

/**
 * A field copied from its owner into many rows (`order_items.product_name`, `rides.driver_name`):
 * how an event updates it, and how reconciliation lists and repairs it. Every update is one
 * statement for all rows of an owner, guarded by version, so duplicated, reordered or late
 * updates can only move a copy forward.
 */
export function fieldCopy(spec: FieldCopySpec) {
  const { table, key, value, version } = spec;
  return {
    /** Applies an owner's new value, only over older versions, inside the consumer's transaction. */
    async apply(tx: SqlTransaction, event: EventEnvelope, newValue: string): Promise<EffectOutcome> {
      const updated = await tx.$executeRawUnsafe(
        `UPDATE ${table} SET ${value} = $1, ${version} = $2 WHERE ${key} = $3::uuid AND ${version} < $2`,
        newValue,
        event.version,
        event.aggregateId,
      );
      if (updated > 0) return 'applied';
      const newer = await tx.$queryRawUnsafe<unknown[]>(
        `SELECT 1 FROM ${table} WHERE ${key} = $1::uuid AND ${version} >= $2 LIMIT 1`,
        event.aggregateId,
        event.version,
      );
      return newer.length > 0 ? 'stale' : 'applied';
    },

    /** Owner ids the copy refers to, in id order, after `afterId`: the reconciliation's batches. */
    async listOwnerIds(db: SqlTransaction, afterId: string | undefined, limit: number): Promise<string[]> {
      const rows = await db.$queryRawUnsafe<{ id: string }[]>(
        `SELECT DISTINCT ${key}::text AS id FROM ${table} WHERE $1::uuid IS NULL OR ${key} > $1::uuid ORDER BY 1 LIMIT $2`,
        afterId ?? null,
        limit,
      );
      return rows.map((row) => row.id);
    },

    /** Sets every copy that differs from its owner and is not newer; returns the rows repaired. */
    repair(db: SqlTransaction, owners: (OwnerState & { value: string })[]): Promise<number> {
      if (owners.length === 0) return Promise.resolve(0);
      return db.$executeRawUnsafe(
        `UPDATE ${table} AS c SET ${value} = o.value, ${version} = o.version
         FROM unnest($1::uuid[], $2::text[], $3::int[]) AS o(id, value, version)
         WHERE c.${key} = o.id AND c.${version} <= o.version
           AND (c.${value} IS DISTINCT FROM o.value OR c.${version} <> o.version)`,
        owners.map((o) => o.id),
        owners.map((o) => o.value),
        owners.map((o) => o.version),
      );
    },
  };
}
