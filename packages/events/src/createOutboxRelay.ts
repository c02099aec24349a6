import { setTimeout as sleep } from 'node:timers/promises';
import { createPeriodicTask, type Logger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { busEpochWatch } from './busEpoch.ts';
import { createRetention } from './createRetention.ts';
import { deadLetterQueue } from './deadLetters.ts';
import type { Producer } from './eventSignature.ts';
import { outboxBacklog } from './metrics.ts';
import { createOutboxPublisher } from './outbox/createOutboxPublisher.ts';
import { createOutboxWakeups } from './outbox/createOutboxWakeups.ts';
import { createRetryLoop } from './outbox/createRetryLoop.ts';
import { type EventBusOptions, failFast } from './redisConnection.ts';

export interface OutboxRelayOptions {
  service: string;
  databaseUrl: string;
  bus: EventBusOptions;
  logger: Logger;
  batchSize?: number;
  /**
   * Safety net while the LISTEN connection is down (reconnecting): the outbox is polled this often.
   * While it is up, every commit's NOTIFY wakes the relay, and it polls every 30 s at most.
   */
  pollIntervalMs?: number;
  /**
   * Published rows are deleted after this long (default 24 h), but only once they are behind the
   * safe point: until then they are what a broker data loss is repaired from.
   */
  retentionMs?: number;
  /** Published rows are deleted after this long even when not behind the safe point (default 7 days). */
  maxRetentionMs?: number;
  /**
   * After a batch, when more commits came meanwhile (the relay is under load), wait this long before
   * the next, so that it gathers more events: a batch costs two round trips to PostgreSQL and one
   * Redis call per queue whatever its size. The first event after a quiet spell goes at once.
   * Default 0 (`OUTBOX_LINGER_MS` of a service's configuration: 30).
   */
  lingerMs?: number;
  /** A Redis command taking longer fails (the batch rolls back and is retried): default 5 s. */
  redisCommandTimeoutMs?: number;
  /**
   * Fault injection for tests: runs after the batch was handed to Redis and before its rows are
   * marked published. Throwing here is a relay dying at the worst moment: the rows stay unpublished
   * and are sent again, and consumers drop the duplicates.
   */
  beforeMarkPublished?: () => void | Promise<void>;
  /** Fault injection for tests: runs after rows were claimed (locked) and before they are handed to Redis. */
  beforePublish?: () => void | Promise<void>;
}

export interface OutboxRelay {
  start(): Promise<void>;
  /** Publishes everything pending now; returns the number of rows handed over. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

/** How often a relay that hears every commit (LISTEN) still looks at the outbox. */
const LISTENING_POLL_MS = 30_000;

/** The outbox's retention: published rows behind the safe point, or past the maximum retention. */
export function outboxRetentionRule(service: string, retentionMs: number, maxRetentionMs: number) {
  return {
    table: 'outbox_events',
    // Only rows behind the safe point may go (they can no longer be needed to repair a loss),
    // unless they are older than the maximum retention.
    where: `published_at < clock_timestamp() - $1 * interval '1 millisecond'
            AND (published_at < (SELECT safe_point FROM outbox_relay_state WHERE relay = $2)
                 OR published_at < clock_timestamp() - $3 * interval '1 millisecond')`,
    retentionMs,
    values: [service, maxRetentionMs],
  };
}

/**
 * Moves committed outbox rows to the consumer queues (`createOutboxPublisher`), woken by NOTIFY or
 * the poll (`createOutboxWakeups`), in a loop that backs off while Redis is down (`createRetryLoop`):
 * writes go on filling the outbox meanwhile, and nothing is lost. Beside it, housekeeping (the backlog
 * gauge, the safe point of broker data loss repair) and the outbox's retention run as periodic tasks.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { service, logger } = options;
  const retentionMs = options.retentionMs ?? 24 * 3600 * 1000;
  const maxRetentionMs = options.maxRetentionMs ?? 7 * 24 * 3600 * 1000;
  const commandTimeoutMs = options.redisCommandTimeoutMs ?? 5_000;
  const lingerMs = options.lingerMs ?? 0;
  const signingKey = options.bus.keys[service as Producer];
  if (!signingKey) throw new Error(`No event signing key for ${service}: its events could not be verified`);
  // Two connections: the loop's (which holds one for a batch) and housekeeping's; LISTEN has its own.
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 2,
    idleTimeoutMillis: 10_000,
    // A backstop: a transaction left open (a hung call inside it) ends and releases its row locks.
    // Each row's publication is an UPDATE leaving a dead index entry behind until vacuum: a plain
    // index scan marks those dead as it passes (the next claim skips them), a bitmap scan would
    // visit every one on every claim. And no commit of the relay waits for its WAL to reach disk:
    // what a crash of PostgreSQL could take back (a row marked published, a safe point, an epoch)
    // is re-sent or recomputed, and consumers' inboxes drop what arrives twice.
    options:
      '-c idle_in_transaction_session_timeout=15000 -c enable_bitmapscan=off -c synchronous_commit=off',
  });
  pool.on('error', (error) => logger.warn('outbox relay: idle database connection failed', { error }));
  // A connection ended by the server (a failover, `pg_terminate_backend`, a dropped database) while
  // it is checked out or being closed would otherwise emit an unhandled 'error' and end the process:
  // the query in flight reports it, and inTransaction discards the connection.
  pool.on('connect', (client) => client.on('error', () => {}));
  // With Redis down or hung, a call fails now: the batch rolls back and its row locks are released.
  const connection = failFast(options.bus.connection, commandTimeoutMs);
  let redis: Redis | undefined;
  const redisClient = async () => {
    if (!redis) {
      redis = new Redis({ ...connection, lazyConnect: true });
      redis.on('error', () => {}); // surfaced by the failing command
    }
    if (redis.status === 'wait') await redis.connect();
    return redis;
  };
  const publisher = createOutboxPublisher({
    service,
    pool,
    connection,
    redis: redisClient,
    prefix: options.bus.prefix,
    signingKey,
    batchSize: options.batchSize ?? 500,
    commandTimeoutMs,
    retryDelayMs: options.bus.retryDelayMs,
    beforePublish: options.beforePublish,
    beforeMarkPublished: options.beforeMarkPublished,
  });
  const wakeups = createOutboxWakeups({ databaseUrl: options.databaseUrl, logger });
  const watch = busEpochWatch({
    relay: service,
    pool,
    redis: redisClient,
    prefix: options.bus.prefix,
    logger,
  });
  const deadLetters = deadLetterQueue({ ...options.bus, connection });
  deadLetters.on('error', () => {}); // surfaced by the failing count

  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  // The first cycle, and the first after a failure (a reconnect), check the bus epoch before
  // publishing; otherwise housekeeping checks it every 2 s, off the path of each batch.
  let checkEpoch = true;
  const loop = createRetryLoop({
    name: `outbox relay of ${service}`,
    logger,
    // While LISTEN is open every commit wakes the relay: the poll is only a rare safety net.
    idleMs: () => (wakeups.listening() ? Math.max(pollIntervalMs, LISTENING_POLL_MS) : pollIntervalMs),
    sleep: wakeups.sleep,
    wake: wakeups.wake,
    cycle: async () => {
      const recovering = checkEpoch;
      checkEpoch = true; // stays set if this cycle fails
      await wakeups.listen();
      if (recovering) await watch.check();
      wakeups.takeNotified();
      const published = await publisher.drain();
      checkEpoch = false;
      // A commit announced itself during the drain: its row may not have been seen, drain again,
      // under load after a moment that lets the batch gather more.
      const more = wakeups.takeNotified();
      if (more && published > 0 && lingerMs > 0) await sleep(lingerMs);
      return more;
    },
  });
  const housekeeping = createPeriodicTask({
    name: `outbox housekeeping of ${service}`,
    intervalMs: 2_000,
    logger,
    // Not at start: the loop checks the bus epoch itself first, and the queues' connections (which
    // never queue a command offline) are still connecting: a first run now would only fail.
    runOnStart: false,
    work: async () => {
      const { rows } = await pool.query<{ backlog: string }>(
        'SELECT count(*) AS backlog FROM outbox_events WHERE published_at IS NULL',
      );
      outboxBacklog.set({ service }, Number(rows[0]?.backlog ?? 0));
      // Has the bus lost what was handed to it? Rows to send again wake the relay.
      if ((await watch.check()) > 0) wakeups.wake();
      await watch.advanceSafePoint(publisher.fedQueues(), deadLetters);
    },
  });
  const retention = createRetention({
    db: pool,
    logger,
    rules: [outboxRetentionRule(service, retentionMs, maxRetentionMs)],
    intervalMs: Math.max(1_000, Math.min(60_000, retentionMs)),
  });

  return {
    drain: publisher.drain,
    async start() {
      await wakeups.listen();
      await loop.start();
      await housekeeping.start();
      await retention.start();
    },
    async stop() {
      await loop.stop();
      await housekeeping.stop();
      await retention.stop();
      await wakeups.close();
      await Promise.all([publisher.close(), deadLetters.close()]);
      redis?.disconnect();
      await pool.end();
    },
  };
}
