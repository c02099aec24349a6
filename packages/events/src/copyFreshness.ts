import type { BackgroundProcess, Logger } from '@msd/service-kit';
import pg from 'pg';
import type { SqlTransaction } from './appendToOutbox.ts';
import { COPY_APPLIED_CHANNEL, type fieldCopy, type OwnerValue } from './fieldCopy.ts';

interface Waiter {
  copy: string;
  id: string;
  version: number;
  wake: () => void;
}

/**
 * What is waited for: a field copy, or any other effect a consumer applies that announces itself on
 * the same channel with a `copy` name of its own (inventory's stock decisions).
 */
export type AwaitedCopy = Pick<ReturnType<typeof fieldCopy>, 'copy' | 'readNewest'>;

export interface CopyFreshness extends BackgroundProcess {
  /**
   * The newest value of an owner in a copy once it reaches `version`: at once if it already has,
   * else when the consumer's transaction that applies it commits (on any replica), else undefined
   * after `timeoutMs`.
   */
  awaitVersion(
    field: AwaitedCopy,
    id: string,
    version: number,
    timeoutMs: number,
  ): Promise<(OwnerValue & { waited: boolean }) | undefined>;
}

/**
 * Read-your-writes for copied fields: a reader waits for the copy to reach the version a client's
 * consistency token names, woken by PostgreSQL NOTIFY from the consumer's apply transaction
 * (`fieldCopy.applyValue`), which is delivered at commit to every replica's listener: no polling.
 * One LISTEN connection per process; without it (connecting, lost) a wait checks once and times out.
 */
export function copyFreshness(options: {
  databaseUrl: string;
  db: SqlTransaction;
  logger: Logger;
}): CopyFreshness {
  const { db, logger } = options;
  const waiters = new Set<Waiter>();
  let listener: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let stopped = false;

  const onNotification = (message: pg.Notification) => {
    const [copy, id, version] = (message.payload ?? '').split(' ');
    for (const waiter of waiters)
      if (waiter.copy === copy && waiter.id === id && Number(version) >= waiter.version) waiter.wake();
  };

  const listen = () => {
    connecting ??= (async () => {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      client.on('notification', onNotification);
      client.on('error', (error) => {
        logger.warn('copy freshness: LISTEN connection lost; token reads fall back to the owner', { error });
        listener = undefined;
        client.end().catch(() => {});
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${COPY_APPLIED_CHANNEL}`);
        if (stopped) await client.end();
        else listener = client;
      } catch (error) {
        logger.warn('copy freshness: cannot LISTEN; token reads fall back to the owner', { error });
        client.end().catch(() => {});
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async start() {
      stopped = false;
      await listen();
    },
    async stop() {
      stopped = true;
      for (const waiter of waiters) waiter.wake();
      await connecting;
      await listener?.end().catch(() => {});
      listener = undefined;
    },
    async awaitVersion(field, id, version, timeoutMs) {
      if (!listener && !stopped) void listen();
      let timer: NodeJS.Timeout | undefined;
      let waiter: Waiter | undefined;
      // Registered before the check: a commit between the check and the wait still wakes it.
      const woken = new Promise<void>((resolve) => {
        waiter = { copy: field.copy, id, version, wake: resolve };
        waiters.add(waiter);
        timer = setTimeout(resolve, timeoutMs);
      });
      try {
        const now = await field.readNewest(db, id);
        if (now && now.version >= version) return { ...now, waited: false };
        await woken;
        const after = await field.readNewest(db, id);
        return after && after.version >= version ? { ...after, waited: true } : undefined;
      } finally {
        clearTimeout(timer);
        if (waiter) waiters.delete(waiter);
      }
    },
  };
}
