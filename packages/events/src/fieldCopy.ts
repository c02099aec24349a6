import type { SqlTransaction } from './appendToOutbox.ts';
import type { EventEnvelope } from './contracts.ts';
import type { EffectOutcome } from './createEventConsumer.ts';
import type { OwnerState } from './createReconciler.ts';

/** Channel told (at commit) each owner version a copy applied: `<copy> <owner id> <version>`; see copyFreshness.ts. */
export const COPY_APPLIED_CHANNEL = 'copy_applied';

/** Where a copied field lives in the consumer's database. Identifiers come from code, never from input. */
export interface FieldCopySpec {
  /** `<service>.<field>`, e.g. `order.productName`: its key in `copy_sources`. */
  copy: string;
  table: string;
  /** Column holding the owner's id (indexed). */
  key: string;
  /** Column holding the copied value. */
  value: string;
  /** Column holding the owner's version the value reflects. */
  version: string;
}

/** An owner's value at a version, as an event, a repair or the owner's API gave it. */
export interface OwnerValue {
  id: string;
  value: string;
  version: number;
}

/** The arrays of `newestForInsertSql`, in owner id order: concurrent callers lock their rows in one order. */
function newestForInsertValues(owners: OwnerValue[]) {
  const sorted = [...owners].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    ids: sorted.map((o) => o.id),
    values: sorted.map((o) => o.value),
    versions: sorted.map((o) => o.version),
  };
}

/** The upsert of each owner's newest value into `copy_sources` (locks each row until commit). */
function newestForInsertSql(copy: string, ids: string, values: string, versions: string): string {
  return `INSERT INTO copy_sources AS s (copy, owner_id, value, version)
       SELECT ${copy}, o.id, o.value, o.version FROM unnest(${ids}::uuid[], ${values}::text[], ${versions}::int[]) WITH ORDINALITY AS o(id, value, version, n)
       ORDER BY o.n
       ON CONFLICT (copy, owner_id) DO UPDATE
         SET value = CASE WHEN excluded.version > s.version THEN excluded.value ELSE s.value END,
             version = GREATEST(excluded.version, s.version)`;
}

/**
 * A field copied from its owner into many rows (`order_items.product_name`, `rides.driver_name`):
 * how an event updates it, how a new row takes it, and how reconciliation lists and repairs it.
 * Every update is guarded by version, so duplicated, reordered or late updates only move a copy
 * forward.
 *
 * The write-time race: a row inserted with a value read from the owner's API a moment ago must not
 * miss an update applied in between. So every update first records the owner's newest value in
 * `copy_sources` (one row per owner, locked by the upsert until commit), and an insert takes the
 * newer of that and its API value through the same upsert, in its own transaction. Whichever
 * commits first, the other sees it: the update's statement on the rows runs after the insert
 * committed, or the insert reads the update's value.
 */
export function fieldCopy(spec: FieldCopySpec) {
  const { copy, table, key, value, version } = spec;

  /** Upserts the newest value per owner (ids sorted: concurrent callers lock in one order) and returns it. */
  const newest = async (db: SqlTransaction, owners: OwnerValue[]): Promise<Map<string, OwnerValue>> => {
    if (owners.length === 0) return new Map();
    const { ids, values, versions } = newestForInsertValues(owners);
    const rows = await db.$queryRawUnsafe<{ id: string; value: string; version: number }[]>(
      `${newestForInsertSql('$1', '$2', '$3', '$4')} RETURNING owner_id::text AS id, value, version`,
      copy,
      ids,
      values,
      versions,
    );
    return new Map(rows.map((row) => [row.id, row]));
  };

  /**
   * Records an owner's value at a version as the newest, when it is: true when it was newer than
   * what `copy_sources` held (the row is then locked by this transaction until it commits).
   */
  const recordNewer = async (tx: SqlTransaction, owner: OwnerValue): Promise<boolean> => {
    const update = () =>
      tx.$executeRawUnsafe(
        `UPDATE copy_sources SET value = $3, version = $4 WHERE copy = $1 AND owner_id = $2::uuid AND version < $4`,
        copy,
        owner.id,
        owner.value,
        owner.version,
      );
    if ((await update()) > 0) return true;
    const inserted = await tx.$executeRawUnsafe(
      `INSERT INTO copy_sources (copy, owner_id, value, version) VALUES ($1, $2::uuid, $3, $4) ON CONFLICT DO NOTHING`,
      copy,
      owner.id,
      owner.value,
      owner.version,
    );
    // Not inserted: another transaction wrote the row in between; it may hold an older version.
    return inserted > 0 || (await update()) > 0;
  };

  /** Applies an owner's value at a version to every row of the owner that is older. */
  const applyValue = async (tx: SqlTransaction, owner: OwnerValue): Promise<EffectOutcome> => {
    if (!(await recordNewer(tx, owner))) return 'stale';
    await tx.$executeRawUnsafe(
      `UPDATE ${table} SET ${value} = $1, ${version} = $2 WHERE ${key} = $3::uuid AND ${version} < $2`,
      owner.value,
      owner.version,
      owner.id,
    );
    await tx.$executeRawUnsafe(
      `SELECT pg_notify($1, $2)`,
      COPY_APPLIED_CHANNEL,
      `${copy} ${owner.id} ${owner.version}`,
    );
    return 'applied';
  };

  return {
    copy,
    /** Applies an owner's new value carried by an event, inside the consumer's transaction. */
    apply(tx: SqlTransaction, event: EventEnvelope, newValue: string): Promise<EffectOutcome> {
      return applyValue(tx, { id: event.aggregateId, value: newValue, version: event.version });
    },

    /** Applies a value at a version from elsewhere (a STRONG rename's commit), in the caller's transaction. */
    applyValue,

    /**
     * For rows about to be inserted in the caller's transaction: the newer of each owner's API
     * value and the newest an update has recorded. Call it before the insert, in the same transaction.
     */
    newestForInsert: newest,

    /**
     * `newestForInsert` inside the inserting statement itself (a CTE of plain SQL, before the rows
     * it names are inserted): the upsert without RETURNING, given the placeholders of the copy's
     * name and of the arrays `newestForInsertValues` makes.
     */
    newestForInsertSql,
    newestForInsertValues,

    /** The newest value an update recorded for an owner (`copy_sources`), if any. */
    async readNewest(db: SqlTransaction, id: string): Promise<OwnerValue | undefined> {
      const rows = await db.$queryRawUnsafe<OwnerValue[]>(
        `SELECT owner_id::text AS id, value, version FROM copy_sources WHERE copy = $1 AND owner_id = $2::uuid`,
        copy,
        id,
      );
      return rows[0];
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

    /**
     * Copies ahead of their owner: rows, or the newest value recorded, holding a higher version than
     * `owners` have. No event of the owner can have put them there (a forged or corrupted one did);
     * returns each such owner id with the version seen.
     */
    async listAhead(db: SqlTransaction, owners: OwnerState[]): Promise<{ id: string; version: number }[]> {
      if (owners.length === 0) return [];
      return db.$queryRawUnsafe<{ id: string; version: number }[]>(
        `WITH o AS (SELECT * FROM unnest($1::uuid[], $2::int[]) AS o(id, version))
         SELECT c.${key}::text AS id, c.${version} AS version FROM ${table} c JOIN o ON c.${key} = o.id WHERE c.${version} > o.version
         UNION
         SELECT s.owner_id::text, s.version FROM copy_sources s JOIN o ON s.owner_id = o.id WHERE s.copy = $3 AND s.version > o.version`,
        owners.map((o) => o.id),
        owners.map((o) => o.version),
        copy,
      );
    },

    /**
     * Sets copies found ahead of their owner back to the owner's state, read after they were seen
     * ahead: only those still at the version seen (`ahead`), and only where that version is above
     * the owner's. A row that moved on meanwhile came from a newer event and is left alone. Run it in
     * one transaction (`copy_sources` first, then the rows, as every update does); returns the rows set back.
     */
    async setBackAhead(
      tx: SqlTransaction,
      owners: (OwnerState & { value: string })[],
      ahead: { id: string; version: number }[],
    ): Promise<number> {
      if (owners.length === 0 || ahead.length === 0) return 0;
      const matched = `FROM unnest($1::uuid[], $2::text[], $3::int[]) AS o(id, value, version),
                         unnest($4::uuid[], $5::int[]) AS a(id, version)
                       WHERE a.id = o.id AND a.version > o.version`;
      const values = [
        owners.map((o) => o.id),
        owners.map((o) => o.value),
        owners.map((o) => o.version),
        ahead.map((a) => a.id),
        ahead.map((a) => a.version),
      ];
      await tx.$executeRawUnsafe(
        `UPDATE copy_sources AS s SET value = o.value, version = o.version ${matched}
           AND s.copy = $6 AND s.owner_id = o.id AND s.version = a.version`,
        ...values,
        copy,
      );
      return tx.$executeRawUnsafe(
        `UPDATE ${table} AS c SET ${value} = o.value, ${version} = o.version ${matched}
           AND c.${key} = o.id AND c.${version} = a.version`,
        ...values,
      );
    },

    /** Sets every copy that differs from its owner and is not newer; returns the rows repaired. */
    async repair(db: SqlTransaction, owners: (OwnerState & { value: string })[]): Promise<number> {
      if (owners.length === 0) return 0;
      // Its own statement (the row locks end with it), before the rows, as every update does.
      await newest(db, owners);
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
