import { randomUUID } from 'node:crypto';
import type { RenameFaults } from '@msd/coordination';
import { type CoordinatorOptions, createCoordinatorServer } from '@msd/coordinator-service';
import { createDriverServer } from '@msd/driver-service';
import { clearEventBus, type EventBusOptions, eventBus } from '@msd/events';
import {
  createGatewayServer,
  type EntityCacheConfig,
  entityCacheConfig,
  type GatewayOptions,
  type ResilienceConfig,
} from '@msd/gateway';
import { createInventoryServer } from '@msd/inventory-service';
import { createOrderServer } from '@msd/order-service';
import { createProductServer } from '@msd/product-service';
import { type ServiceName, serviceNames } from '@msd/registry';
import { createRideServer } from '@msd/ride-service';
import type { ConsistencyReadOptions, ServiceUrls, SubgraphServer } from '@msd/service-kit';
import { createShippingServer } from '@msd/shipping-service';
import { freePort, startTestSubgraph, type TestSubgraph, testServiceCalls } from '@msd/testing';

/** The services a test federation always starts; the coordinator is optional (`coordinator`). */
type FederatedName = Exclude<ServiceName, 'coordinator'>;
const federatedNames = serviceNames.filter((name): name is FederatedName => name !== 'coordinator');

export interface TestFederation {
  gatewayUrl: string;
  /** The gateway server itself (its admin port, its logger). */
  gateway: ReturnType<typeof createGatewayServer>;
  subgraphs: Record<FederatedName, TestSubgraph>;
  /** The coordinator, when started in-process; its URL also when it runs elsewhere. */
  coordinator: TestSubgraph | undefined;
  coordinatorUrl: string | undefined;
  /** The event bus of this federation (a queue prefix of its own), when started with events. */
  bus: EventBusOptions | undefined;
  stop(): Promise<void>;
}

/**
 * Every subgraph of the registry and the gateway over real HTTP on free ports, each subgraph with a fresh
 * database of its own; the gateway runs the committed supergraph with the subgraph URLs replaced.
 * With `events`, every service also runs its relay and consumers on real Redis, under a queue
 * prefix unique to this federation (removed on stop).
 */
export interface TestFederationOptions {
  /** Relays, consumers and the gateway's entity cache on real Redis, under a prefix of their own. */
  events?: boolean;
  redisUrl?: string;
  /** The queue prefix with `events` (default `test-<uuid>`), e.g. a Redis Cluster hash tag `{test-<uuid>}`. */
  eventsPrefix?: string;
  /** The first retry delay of a failed event (default 100 ms, doubling at each of 8 attempts): a test that parks events sets a short one. */
  eventRetryDelayMs?: number;
  reconcileIntervalMs?: number;
  /** The gateway's entity cache when `events` is on: default Driver and Product from their owners for 60 s; `false` turns it off. */
  entityCache?: EntityCacheConfig | false;
  resilience?: Record<string, Partial<ResilienceConfig>>;
  /** More gateway settings: operation limits, rate limits (off unless given), CORS origins, the admin port, trusted documents. */
  gateway?: Pick<
    GatewayOptions,
    | 'limits'
    | 'rateLimit'
    | 'corsOrigins'
    | 'adminPort'
    | 'identity'
    | 'trustedDocuments'
    | 'consistencyTokens'
    | 'subscriptions'
  >;
  /**
   * The coordinator subgraph: started in-process with a database of its own (`true` or its
   * options), or `{ url }` of one a test runs as a process of its own (to kill it).
   */
  coordinator?: boolean | Omit<CoordinatorOptions, 'databaseUrl' | 'services'> | { url: string };
  /** Fault injection for the product and order participants of STRONG renames (mutated by tests). */
  renameFaults?: { product?: RenameFaults; order?: RenameFaults };
  /** How long a participant waits before asking the coordinator about a prepared rename. */
  inDoubtAfterMs?: number;
  /** The order flow's anti-entropy: its deadline and how often it looks (default 60 s and 15 s). */
  reactionDeadlineMs?: number;
  reactionRepairIntervalMs?: number;
  /** How the services that keep copies honour consistency tokens (default: the variables' defaults). */
  consistencyReads?: ConsistencyReadOptions;
}

export async function startTestFederation(options: TestFederationOptions = {}): Promise<TestFederation> {
  const bus = options.events
    ? eventBus({
        prefix: options.eventsPrefix ?? `test-${randomUUID()}`,
        ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
        retryDelayMs: options.eventRetryDelayMs,
      })
    : undefined;
  const events = bus ? { events: bus } : {};
  const reads = options.consistencyReads ? { consistencyReads: options.consistencyReads } : {};
  const timings = options.reconcileIntervalMs
    ? { timings: { reconcileIntervalMs: options.reconcileIntervalMs } }
    : {};
  // The participants ask the coordinator about in-doubt renames, so its URL is fixed up front.
  const external = typeof options.coordinator === 'object' && 'url' in options.coordinator;
  const coordinatorPort = options.coordinator && !external ? await freePort() : undefined;
  const coordinatorUrl = external
    ? (options.coordinator as { url: string }).url
    : coordinatorPort === undefined
      ? undefined
      : `http://127.0.0.1:${coordinatorPort}/graphql`;
  const rename = (service: 'product' | 'order') => ({
    rename: {
      ...(options.renameFaults?.[service] ? { faults: options.renameFaults[service] } : {}),
      ...(options.inDoubtAfterMs ? { inDoubtAfterMs: options.inDoubtAfterMs } : {}),
    },
  });
  // Every port is picked first, so each service starts knowing where the services it calls are (the
  // registry's `calls`), and all start at once.
  const ports = Object.fromEntries(
    await Promise.all(federatedNames.map(async (name) => [name, await freePort()] as const)),
  ) as Record<FederatedName, number>;
  // Without a coordinator, it is unreachable on purpose: never a developer's on :4007.
  const coordinatorAt = coordinatorUrl ?? 'http://127.0.0.1:9/graphql';
  const urls: Partial<ServiceUrls> = {
    ...Object.fromEntries(federatedNames.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`])),
    coordinator: coordinatorAt,
  };
  const create: Record<FederatedName, (o: { databaseUrl: string }) => SubgraphServer> = {
    product: (o) =>
      createProductServer({
        ...o,
        services: testServiceCalls(urls, 'product'),
        ...events,
        ...rename('product'),
      }),
    order: (o) =>
      createOrderServer({
        ...o,
        services: testServiceCalls(urls, 'order'),
        ...events,
        ...reads,
        ...timings,
        ...rename('order'),
        ...(options.reactionDeadlineMs ? { reactionDeadlineMs: options.reactionDeadlineMs } : {}),
        ...(options.reactionRepairIntervalMs
          ? { reactionRepairIntervalMs: options.reactionRepairIntervalMs }
          : {}),
      }),
    inventory: (o) =>
      createInventoryServer({ ...o, services: testServiceCalls(urls, 'inventory'), ...events, ...reads }),
    shipping: (o) => createShippingServer({ ...o, services: testServiceCalls(urls, 'shipping'), ...events }),
    driver: (o) => createDriverServer({ ...o, services: testServiceCalls(urls, 'driver'), ...events }),
    ride: (o) =>
      createRideServer({ ...o, services: testServiceCalls(urls, 'ride'), ...events, ...reads, ...timings }),
  };
  const subgraphs = Object.fromEntries(
    await Promise.all(
      federatedNames.map(
        async (name) => [name, await startTestSubgraph(name, create[name], ports[name])] as const,
      ),
    ),
  ) as Record<FederatedName, TestSubgraph>;
  const entityCache =
    options.entityCache === false ? undefined : (options.entityCache ?? entityCacheConfig({}));
  const coordinator =
    coordinatorPort !== undefined
      ? await startTestSubgraph(
          'coordinator',
          (o) =>
            createCoordinatorServer({
              ...(typeof options.coordinator === 'object' ? options.coordinator : {}),
              ...o,
              services: testServiceCalls(urls, 'coordinator'),
            }),
          coordinatorPort,
        )
      : undefined;
  const gateway = createGatewayServer({
    subgraphUrls: {
      ...Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])),
      coordinator: coordinatorAt,
    },
    ...(bus ? { events: bus, entityCache } : {}),
    // A budget per subgraph call that a loaded 2-core test machine meets (the 1 s default is about
    // latency in production); tests about timeouts set their own.
    resilience: {
      ...Object.fromEntries(Object.keys(subgraphs).map((name) => [name, { timeoutMs: 5_000 }])),
      ...options.resilience,
    },
    // Rate limits only where a test asks for them: other tests run thousands of operations as one operator.
    rateLimit: false,
    ...options.gateway,
  });
  const { url } = await gateway.listen(0);
  return {
    gatewayUrl: url,
    gateway,
    subgraphs,
    coordinator,
    coordinatorUrl,
    bus,
    async stop() {
      await gateway.stop();
      await coordinator?.stop();
      await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
      if (bus) await clearEventBus(bus);
    },
  };
}
