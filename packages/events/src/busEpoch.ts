import { randomUUID } from 'node:crypto';
import type { Logger } from '@msd/service-kit';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { inTransaction } from './inTransaction.ts';
import { busDataLosses, eventsRepublished } from './metrics.ts';

/** The Redis key holding the bus epoch: written once by the first relay, gone when Redis loses its data. */
export const busEpochKey = (prefix: string) => `${prefix}:bus-epoch`;

export interface BusEpochWatch {
  /**
   * Compares the bus epoch with the one this outbox last saw. Missing or different means Redis
   * lost data (a restart without persistence, FLUSHALL, a failover to a replica that missed it):
   * every row published since the safe point becomes unpublished again, in one transaction, and
   * the relay sends it again. Returns the rows re-sent.
   */
  check(): Promise<number>;
  /**
   * Moves the safe point forward when nothing this outbox published can still be in Redis:
   * every queue it feeds empty (nothing waiting, active, delayed or failed), no parked events,
   * and the epoch unchanged after counting.
   */
  advanceSafePoint(queues: Queue[], deadLetters: Queue): Promise<void>;
}

/**
 * Detection and repair of broker data loss for one outbox. The epoch this outbox last saw and its
 * safe point live in its own database (`outbox_relay_state`), so a relay that was down while Redis
 * lost data still notices when it comes back, and instances of one service agree.
 */
export function busEpochWatch(options: {
  relay: string;
  pool: pg.Pool;
  redis: () => Promise<Redis>;
  prefix: string;
  logger: Logger;
}): BusEpochWatch {
  const { relay, pool, redis, logger } = options;
  const key = busEpochKey(options.prefix);

  const currentEpoch = async (): Promise<string> => {
    const client = await redis();
    const epoch = await client.get(key);
    if (epoch) return epoch;
    // The first relay to notice writes the new epoch; every other one reads the same value.
    await client.set(key, randomUUID(), 'NX');
    return (await client.get(key)) ?? '';
  };

  const check = async (): Promise<number> => {
    const epoch = await currentEpoch();
    const { rows } = await pool.query<{ bus_epoch: string | null }>(
      'SELECT bus_epoch FROM outbox_relay_state WHERE relay = $1',
      [relay],
    );
    if (rows[0]?.bus_epoch === epoch) return 0;
    return inTransaction(pool, async (client) => {
      await client.query('INSERT INTO outbox_relay_state (relay) VALUES ($1) ON CONFLICT DO NOTHING', [
        relay,
      ]);
      const { rows: locked } = await client.query<{ bus_epoch: string | null; safe_point: Date | null }>(
        'SELECT bus_epoch, safe_point FROM outbox_relay_state WHERE relay = $1 FOR UPDATE',
        [relay],
      );
      const state = locked[0];
      if (state?.bus_epoch === epoch) return 0; // another instance of this service repaired it meanwhile
      // Rows published before the safe point were consumed; everything after may have been lost.
      const resent = await client.query(
        `UPDATE outbox_events SET published_at = NULL
         WHERE published_at IS NOT NULL AND ($1::timestamptz IS NULL OR published_at >= $1)`,
        [state?.safe_point ?? null],
      );
      await client.query(
        'UPDATE outbox_relay_state SET bus_epoch = $2, updated_at = clock_timestamp() WHERE relay = $1',
        [relay, epoch],
      );
      const count = resent.rowCount ?? 0;
      if (state?.bus_epoch) {
        busDataLosses.inc({ service: relay });
        logger.warn('event bus lost data: re-sending what was published since the safe point', {
          service: relay,
          previousEpoch: state.bus_epoch,
          epoch,
          safePoint: state.safe_point?.toISOString() ?? null,
          resent: count,
        });
      } else if (count > 0) {
        logger.info('first relay run against this event bus: re-sending retained rows', {
          service: relay,
          resent: count,
        });
      }
      eventsRepublished.inc({ service: relay }, count);
      return count;
    });
  };

  const advanceSafePoint = async (queues: Queue[], deadLetters: Queue) => {
    // The database clock, read before counting: every row published before it had its jobs added before.
    const { rows } = await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    const now = rows[0]?.now;
    const counts = await Promise.all(
      [...queues, deadLetters].map((queue) =>
        queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'waiting-children'),
      ),
    );
    if (counts.some((c) => Object.values(c).some((n) => n > 0))) return;
    // Counted in an empty Redis means nothing: the epoch must still be the one this outbox knows.
    const epoch = await (await redis()).get(key);
    await pool.query(
      `UPDATE outbox_relay_state SET safe_point = $3, updated_at = clock_timestamp()
       WHERE relay = $1 AND bus_epoch = $2 AND (safe_point IS NULL OR safe_point < $3)`,
      [relay, epoch, now],
    );
  };

  return { check, advanceSafePoint };
}
