import { gatewayCall } from './gatewayCall.ts';

/** What the load did, by operation: calls that answered without errors, and those that failed. */
export type OperationCounts = Record<string, { ok: number; failed: number }>;

export interface ChaosCatalog {
  productIds: string[];
  driverIds: string[];
  /** Rides the load requested (it adds each one the gateway answered), for `completeRide`. */
  rideIds: string[];
}

export interface ChaosLoad {
  counts: OperationCounts;
  /** Stops the load and waits for the calls in flight. */
  stop(): Promise<void>;
}

const operations = {
  /** Orders of 1 or 2 products; one in five asks for more than any stock holds (it must be REJECTED). */
  placeOrder: (catalog: ChaosCatalog, random: () => number) => {
    const first = pick(catalog.productIds, random);
    const second = pick(catalog.productIds, random);
    const overStock = random() < 0.2;
    const items = [{ productId: first, quantity: overStock ? 500 : 1 + Math.floor(random() * 3) }];
    if (second !== first && random() < 0.5) items.push({ productId: second, quantity: 1 });
    return {
      query:
        'mutation ($items: [OrderItemInput!]!) { placeOrder(input: { customerId: "chaos", items: $items }) { id } }',
      variables: { items },
    };
  },
  renameEventual: (catalog: ChaosCatalog, random: () => number) => ({
    query: 'mutation ($id: ID!, $name: String!) { updateProduct(id: $id, input: { name: $name }) { id } }',
    variables: { id: pick(catalog.productIds, random), name: `Eventual ${Math.floor(random() * 1e6)}` },
  }),
  renameStrong: (catalog: ChaosCatalog, random: () => number) => ({
    query:
      'mutation ($id: ID!, $name: String!) { renameProduct(id: $id, name: $name, consistency: STRONG) { id } }',
    variables: { id: pick(catalog.productIds, random), name: `Strong ${Math.floor(random() * 1e6)}` },
  }),
  requestRide: (catalog: ChaosCatalog, random: () => number) => ({
    query:
      'mutation ($driverId: ID!) { requestRide(input: { riderId: "chaos", driverId: $driverId, pickup: "A", dropoff: "B" }) { id } }',
    variables: { driverId: pick(catalog.driverIds, random) },
  }),
  completeRide: (catalog: ChaosCatalog, random: () => number) => ({
    query: 'mutation ($id: ID!) { completeRide(id: $id) { id } }',
    // Before any ride exists, an unknown id: refused (NOT_FOUND) and counted as failed.
    variables: { id: pick(catalog.rideIds, random) ?? '00000000-0000-7000-8000-000000000000' },
  }),
  /** As the operator, who acts for every rider: it takes one finished, unrated ride of the driver, or is refused. */
  rateDriver: (catalog: ChaosCatalog, random: () => number) => ({
    query: 'mutation ($id: ID!, $stars: Int!) { rateDriver(id: $id, stars: $stars) { id } }',
    variables: { id: pick(catalog.driverIds, random), stars: 1 + Math.floor(random() * 5) },
  }),
  updateDriver: (catalog: ChaosCatalog, random: () => number) => ({
    query: 'mutation ($id: ID!, $name: String!) { updateDriver(id: $id, input: { name: $name }) { id } }',
    variables: { id: pick(catalog.driverIds, random), name: `Driver ${Math.floor(random() * 1e6)}` },
  }),
};
const weights: [keyof typeof operations, number][] = [
  ['placeOrder', 5],
  ['renameEventual', 2],
  ['renameStrong', 1],
  ['requestRide', 2],
  ['completeRide', 2],
  ['rateDriver', 2],
  ['updateDriver', 1],
];

/**
 * A mixed load through the gateway, `workers` calls at a time, until stopped: orders (some over
 * stock), EVENTUAL and STRONG renames, rides requested and finished, driver ratings and renames. Failures are expected
 * while faults are injected; they are counted, never retried (a write either committed or not,
 * and the invariants say which).
 */
export function startChaosLoad(options: {
  gatewayUrl: string;
  catalog: ChaosCatalog;
  random: () => number;
  workers?: number;
}): ChaosLoad {
  const counts: OperationCounts = {};
  let running = true;
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const next = () => {
    let roll = options.random() * total;
    for (const [name, weight] of weights) {
      roll -= weight;
      if (roll < 0) return name;
    }
    return 'placeOrder' as const;
  };
  const worker = async () => {
    while (running) {
      const name = next();
      const { query, variables } = operations[name](options.catalog, options.random);
      counts[name] ??= { ok: 0, failed: 0 };
      const count = counts[name];
      try {
        const result = await gatewayCall(options.gatewayUrl, query, variables);
        if (result.errors?.length) count.failed++;
        else count.ok++;
        const ride = result.data?.requestRide as { id?: string } | undefined;
        if (ride?.id) options.catalog.rideIds.push(ride.id);
      } catch {
        count.failed++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const workers = Array.from({ length: options.workers ?? 3 }, worker);
  return {
    counts,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

function pick<T>(list: T[], random: () => number): T {
  return list[Math.floor(random() * list.length)] as T;
}
