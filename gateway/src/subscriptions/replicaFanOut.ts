import {
  appendToGatewayStream,
  type EventBusOptions,
  type EventEnvelope,
  readGatewayStream,
} from '@msd/events';
import type { BackgroundProcess, Logger } from '@msd/service-kit';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/** Event ids remembered per replica, to drop an event appended twice. */
const REMEMBERED = 10_000;

/**
 * Every gateway replica sees every event it follows once, from one Redis stream that each replica
 * reads from its own cursor (`reader`): a queue of its own per replica without the publishers
 * knowing the replicas. The relays append the events the gateway follows only for subscriptions
 * (`streamedToGateway`), with their batch. An event that drops a cached entity comes through the
 * gateway's queue of it, whose one consumer drops the entry and then appends the event (`forward`),
 * so a payload resolved for it never comes from the entry it replaces. Each entry is verified
 * (its producer's signature) before it is delivered; an event appended twice (a batch or a job
 * sent again) is dropped by its id.
 * Redis down: a relay's batch or the queue's job fails and is retried; a reader retries every
 * second from its cursor, so events appended meanwhile still arrive, in order, once Redis answers.
 */
export function replicaFanOut(bus: EventBusOptions, logger: Logger) {
  let writer: Redis | undefined;
  const forward = async (event: EventEnvelope): Promise<void> => {
    if (!writer) {
      writer = new Redis({ ...bus.connection, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
      writer.on('error', () => {}); // the job fails and is retried; BullMQ logs the outage
    }
    await appendToGatewayStream(writer, bus.prefix, event);
  };

  /**
   * Reads while `listening()` (this replica has subscriptions), and nothing otherwise: a gateway that
   * nobody subscribes to costs no read per event. `wake()` says a subscription started; the reader
   * then reads again from `catchUpMs` back (stream ids are times), so the events of that window
   * still reach the hub (a subscription that starts after an event but before its change lands).
   */
  const reader = (
    deliver: (event: EventEnvelope) => void,
    options: { listening: () => boolean; catchUpMs: number },
  ): BackgroundProcess & { wake(): void } => {
    let client: Redis | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;
    let woken: (() => void) | undefined;
    const seen = new LRUCache<string, true>({ max: REMEMBERED });
    const fresh = (event: EventEnvelope) => {
      if (seen.has(event.id)) return;
      seen.set(event.id, true);
      deliver(event);
    };
    const unverified = (error: Error) =>
      logger.warn('an event on the gateway stream is not signed by its producer: dropped', { error });
    const read = async (redis: Redis) => {
      let cursor: string | undefined;
      let failures = 0;
      while (!stopped) {
        if (!options.listening()) {
          cursor = undefined;
          await new Promise<void>((resolve) => {
            woken = resolve;
          });
          continue;
        }
        cursor ??= `${Date.now() - options.catchUpMs}-0`;
        try {
          cursor = await readGatewayStream(redis, bus, cursor, fresh, unverified);
          failures = 0;
        } catch (error) {
          if (stopped) return;
          if (failures++ % 30 === 0) logger.warn('subscription events cannot be read from Redis', { error });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    };
    const wake = () => {
      woken?.();
      woken = undefined;
    };
    return {
      wake,
      async start() {
        stopped = false;
        client = new Redis({ ...bus.connection, maxRetriesPerRequest: 1 });
        client.on('error', () => {});
        running = read(client);
      },
      async stop() {
        stopped = true;
        wake();
        client?.disconnect(); // ends the blocking read now
        await running;
        await writer?.quit().catch(() => writer?.disconnect());
        writer = undefined;
      },
    };
  };
  return { forward, reader };
}
