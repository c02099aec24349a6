import type { Logger } from '@msd/service-kit';
import type { SqlTransaction, TransactionalDatabase } from './appendToOutbox.ts';
import type { EventEnvelope, EventType } from './contracts.ts';
import { createEventConsumer, type EventConsumer } from './createEventConsumer.ts';
import { createReconciler, type OwnerState, type Reconciler } from './createReconciler.ts';
import type { fieldCopy } from './fieldCopy.ts';
import type { EventBusOptions } from './redisConnection.ts';
import type { Subscriber } from './subscriptions.ts';

export interface CopyReplication {
  /** `<service>.<field>`, e.g. `order.productName`. */
  copy: string;
  consumer: EventConsumer;
  reconciler: Reconciler;
  bus: EventBusOptions;
}

/**
 * Everything that keeps one copied field fresh: the consumer of the owner's update event (fast
 * path) and the scheduled reconciliation against the owner's API (safety net and backfill).
 */
export function createCopyReplication<T extends EventType, TOwner extends OwnerState>(options: {
  copy: string;
  event: T;
  subscriber: Subscriber;
  field: ReturnType<typeof fieldCopy>;
  db: TransactionalDatabase & SqlTransaction;
  bus: EventBusOptions;
  logger: Logger;
  /** The copied value carried by an update event. */
  valueOf: (event: EventEnvelope<T>) => string;
  /** The owners' current state through their API, and the copied value in it. */
  fetchOwner: (ids: string[]) => Promise<Map<string, TOwner>>;
  ownerValue: (owner: TOwner) => string;
  reconcileIntervalMs?: number;
}): CopyReplication {
  const { copy, field, db, bus, logger } = options;
  const consumer = createEventConsumer({
    event: options.event,
    subscriber: options.subscriber,
    bus,
    logger,
    db,
    apply: (event, tx) => field.apply(tx, event, options.valueOf(event)),
  });
  const reconciler = createReconciler({
    copy,
    db,
    bus,
    logger,
    intervalMs: options.reconcileIntervalMs ?? 60_000,
    listSourceIds: (afterId, limit) => field.listOwnerIds(db, afterId, limit),
    fetchOwner: options.fetchOwner,
    repair: async (owners) => {
      const withValue = (list: TOwner[]) =>
        list.map((owner) => ({ ...owner, value: options.ownerValue(owner) }));
      let repaired = await field.repair(db, withValue(owners));
      // A copy ahead of its owner would refuse every later event as stale, for good. The owner is
      // read again first: a newer event applied since the first read is then no longer "ahead".
      const ahead = await field.listAhead(db, owners);
      if (ahead.length > 0) {
        const fresh = await options.fetchOwner([...new Set(ahead.map((a) => a.id))]);
        const setBack = await db.$transaction((tx) =>
          field.setBackAhead(tx, withValue([...fresh.values()]), ahead),
        );
        if (setBack > 0) logger.warn('copies ahead of their owner set back', { copy, rows: setBack });
        repaired += setBack;
      }
      return repaired;
    },
  });
  return { copy, consumer, reconciler, bus };
}
