import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';

/** Work a service runs beside its HTTP server: an outbox relay, event consumers, a reconciler. */
export interface BackgroundProcess {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServerLifecycle {
  /** Starts Apollo and listens; port 0 picks a free port (tests). */
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  /** From now on GET /ready answers 503 `draining` (the server still serves). */
  drain(): void;
  /** Drains in-flight requests, stops Apollo, then releases what the server holds. */
  stop(): Promise<void>;
}

const draining = new WeakSet<Server>();

/** Whether the server is shutting down: its /ready says so, so no new traffic is routed to it. */
export function isDraining(http: Server): boolean {
  return draining.has(http);
}

/** Start and stop for an Apollo Server behind our HTTP server, and the work beside it; shared by the gateway and the subgraphs. */
export function serverLifecycle<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  http: Server,
  onStop?: () => Promise<void>,
  background: readonly BackgroundProcess[] = [],
): ServerLifecycle {
  apollo.addPlugin(ApolloServerPluginDrainHttpServer({ httpServer: http }));
  let started = false;
  return {
    async listen(port, host = '127.0.0.1') {
      if (!started) {
        await apollo.start();
        started = true;
      }
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => resolve());
      });
      for (const task of background) await task.start();
      const address = http.address() as AddressInfo;
      return { url: `http://${host}:${address.port}/graphql`, port: address.port };
    },
    drain() {
      draining.add(http);
    },
    async stop() {
      draining.add(http);
      // HTTP first (no new work), then background work, then what both use (database pools).
      if (started) await apollo.stop();
      else http.close();
      for (const task of [...background].reverse()) await task.stop();
      await onStop?.();
    },
  };
}
