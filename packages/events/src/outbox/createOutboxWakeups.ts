import type { Logger } from '@msd/service-kit';
import pg from 'pg';
import { OUTBOX_CHANNEL } from '../appendToOutbox.ts';

/**
 * What wakes a relay: the NOTIFY every outbox write sends on commit, on a LISTEN connection of its
 * own, and a poll as the safety net while that connection is lost (it is opened again by `listen`).
 */
export function createOutboxWakeups(options: { databaseUrl: string; logger: Logger }) {
  const { logger } = options;
  let listener: pg.Client | undefined;
  let wake: (() => void) | undefined;
  // Set by every NOTIFY: one that arrives while a drain runs makes the relay drain again at once.
  let notified = false;

  return {
    /** Opens the LISTEN connection unless it is open; on failure the relay polls meanwhile. */
    async listen(): Promise<void> {
      if (listener) return;
      try {
        const client = new pg.Client({ connectionString: options.databaseUrl });
        client.on('notification', () => {
          notified = true;
          wake?.();
        });
        client.on('error', (error) => {
          logger.warn('outbox relay: LISTEN connection lost, polling until it is back', { error });
          listener = undefined;
          client.end().catch(() => {});
          // A commit announced meanwhile went unheard: listen again and drain now.
          wake?.();
        });
        await client.connect();
        await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
        listener = client;
      } catch (error) {
        logger.warn('outbox relay: cannot LISTEN, polling instead', { error });
      }
    },
    /** Whether the LISTEN connection is open (every commit then wakes the relay: no need to poll). */
    listening(): boolean {
      return listener !== undefined;
    },
    /** Whether a NOTIFY arrived since the last call. */
    takeNotified(): boolean {
      const was = notified;
      notified = false;
      return was;
    },
    /** Resolves after `ms`, or at once when a NOTIFY arrives or `wake` is called. */
    sleep(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
    wake(): void {
      wake?.();
    },
    async close(): Promise<void> {
      await listener?.end().catch(() => {});
      listener = undefined;
    },
  };
}
