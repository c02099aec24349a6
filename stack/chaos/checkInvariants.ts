import { type ServiceName, type SharedTable, services } from '@msd/registry';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface InvariantInput {
  /** Each chaos database's URL (the service's own role). */
  databaseUrls: Record<ServiceName, string>;
  redisUrl: string;
  prefix: string;
  /** Units each product was stocked with before the load started (no restock afterwards). */
  initialStock: number;
  /** Retention settings of the run: nothing may be older than these (plus one pruning interval). */
  retention: { inboxMs: number; runsMs: number; renamesMs: number; outboxMaxMs: number; intervalMs: number };
}

export interface InvariantResult {
  violations: string[];
  /** Sizes seen, for the report. */
  counts: Record<string, number>;
}

type Rows = Record<string, unknown>[];

/** The services whose database includes a library-owned table (the registry's `sharedTables`). */
const holding = (table: SharedTable): ServiceName[] =>
  services
    .filter((service) => (service.sharedTables as readonly SharedTable[]).includes(table))
    .map((service) => service.name);

/**
 * The invariants a chaos run must leave behind once quiet, read from each service's own database
 * (the composition root may; services never do) and from Redis:
 * - every order CONFIRMED or REJECTED, as inventory decided it, and stock consistent: never
 *   negative, and what was reserved is what the confirmed orders hold (reserved once each);
 * - one PENDING shipment per confirmed order, a CANCELLED one per rejected order, none for no order;
 * - every copy (productName, driverName) equal to its owner, at the owner's version;
 * - every rating given for one finished ride, once: each driver's count is its rated rides, and
 *   the driver service knows exactly the rides the ride service finished;
 * - no STRONG rename half-applied (nothing undecided in the coordinator's log or a participant);
 * - tables and Redis keys within their retention.
 */
export async function checkInvariants(input: InvariantInput): Promise<InvariantResult> {
  const violations: string[] = [];
  const counts: Record<string, number> = {};
  const clients = new Map<ServiceName, pg.Client>();
  const q = async (service: ServiceName, sql: string, values: unknown[] = []): Promise<Rows> => {
    let client = clients.get(service);
    if (!client) {
      client = new pg.Client({ connectionString: input.databaseUrls[service] });
      await client.connect();
      clients.set(service, client);
    }
    return (await client.query(sql, values)).rows;
  };
  const fail = (message: string, sample: Rows) => {
    if (sample.length > 0)
      violations.push(`${message} (${sample.length}): ${JSON.stringify(sample.slice(0, 3))}`);
  };
  try {
    const orders = await q('order', 'SELECT id::text, status::text FROM orders');
    counts.orders = orders.length;
    const decisions = new Map(
      (await q('inventory', 'SELECT order_id::text AS id, outcome, items FROM stock_decisions')).map((r) => [
        r.id,
        r,
      ]),
    );
    const shipments = new Map(
      (await q('shipping', 'SELECT order_id::text AS id, status::text FROM shipments')).map((r) => [
        r.id,
        r.status,
      ]),
    );
    fail(
      'orders neither CONFIRMED nor REJECTED',
      orders.filter((o) => o.status !== 'CONFIRMED' && o.status !== 'REJECTED'),
    );
    fail(
      'orders whose status is not what inventory decided',
      orders.filter((o) => {
        const decided = decisions.get(o.id as string)?.outcome;
        return (
          (decided === 'RESERVED' ? 'CONFIRMED' : decided === 'REJECTED' ? 'REJECTED' : 'none') !== o.status
        );
      }),
    );
    fail(
      'confirmed orders without exactly one PENDING shipment',
      orders.filter((o) => o.status === 'CONFIRMED' && shipments.get(o.id as string) !== 'PENDING'),
    );
    fail(
      'rejected orders whose shipment is not CANCELLED',
      orders.filter((o) => o.status === 'REJECTED' && shipments.get(o.id as string) !== 'CANCELLED'),
    );
    const orderIds = new Set(orders.map((o) => o.id));
    fail(
      'shipments or stock decisions for orders that do not exist',
      [...shipments.keys(), ...decisions.keys()].filter((id) => !orderIds.has(id)).map((id) => ({ id })),
    );

    // Stock: what is gone from each product is exactly what the confirmed orders hold.
    const stock = await q('inventory', 'SELECT product_id::text AS id, quantity FROM stock_levels');
    fail(
      'negative stock',
      stock.filter((s) => (s.quantity as number) < 0),
    );
    const held = new Map<string, number>();
    for (const row of await q(
      'order',
      `SELECT i.product_id::text AS id, sum(i.quantity)::int AS n FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE o.status = 'CONFIRMED' GROUP BY 1`,
    ))
      held.set(row.id as string, row.n as number);
    fail(
      'stock that does not add up (initial - confirmed quantities)',
      stock
        .filter((s) => input.initialStock - (held.get(s.id as string) ?? 0) !== s.quantity)
        .map((s) => ({ ...s, confirmed: held.get(s.id as string) ?? 0, initial: input.initialStock })),
    );

    // Copies equal their owners.
    const products = new Map(
      (await q('product', 'SELECT id::text, name, version FROM products')).map((p) => [p.id, p]),
    );
    const items = await q(
      'order',
      'SELECT product_id::text AS id, product_name, product_version FROM order_items',
    );
    counts.orderItems = items.length;
    fail(
      'order item copies different from their product',
      items.filter((i) => {
        const p = products.get(i.id as string);
        return !p || p.name !== i.product_name || p.version !== i.product_version;
      }),
    );
    const drivers = new Map(
      (await q('driver', 'SELECT id::text, name, version FROM drivers')).map((d) => [d.id, d]),
    );
    const rides = await q('ride', 'SELECT driver_id::text AS id, driver_name, driver_version FROM rides');
    counts.rides = rides.length;
    fail(
      'ride copies different from their driver',
      rides.filter((r) => {
        const d = drivers.get(r.id as string);
        return !d || d.name !== r.driver_name || d.version !== r.driver_version;
      }),
    );

    // Ratings: one per finished ride, once.
    const finished = new Map(
      (
        await q('ride', `SELECT id::text, rider_id, driver_id::text FROM rides WHERE status = 'COMPLETED'`)
      ).map((r) => [r.id, r]),
    );
    const rateable = await q(
      'driver',
      'SELECT ride_id::text AS id, rider_id, driver_id::text, rated_at FROM rateable_rides',
    );
    counts.finishedRides = finished.size;
    counts.ratedRides = rateable.filter((r) => r.rated_at !== null).length;
    fail(
      'rateable rides that are not a finished ride of that rider and driver',
      rateable.filter((r) => {
        const ride = finished.get(r.id as string);
        return !ride || ride.rider_id !== r.rider_id || ride.driver_id !== r.driver_id;
      }),
    );
    const known = new Set(rateable.map((r) => r.id));
    fail(
      'finished rides the driver service never learnt of',
      [...finished.keys()].filter((id) => !known.has(id)).map((id) => ({ id })),
    );
    fail(
      'drivers whose rating count is not their rated rides',
      await q(
        'driver',
        `SELECT d.id::text, d.rating_count, count(r.ride_id)::int AS rated FROM drivers d
         LEFT JOIN rateable_rides r ON r.driver_id = d.id AND r.rated_at IS NOT NULL
         GROUP BY d.id HAVING d.rating_count <> count(r.ride_id)`,
      ),
    );

    // No STRONG rename left half-way.
    fail(
      'STRONG renames undecided in the coordinator log',
      await q(
        'coordinator',
        `SELECT id::text, state::text FROM rename_transactions WHERE state NOT IN ('COMMITTED', 'ABORTED')`,
      ),
    );
    for (const service of holding('pendingRenames')) {
      fail(
        `renames still PREPARED at ${service}`,
        await q(service, `SELECT transaction_id::text FROM pending_renames WHERE state = 'PREPARED'`),
      );
    }
    // Retention: nothing older than its retention plus one pruning interval (and some slack).
    const { retention } = input;
    const slack = retention.intervalMs + 30_000;
    for (const service of holding('inbox')) {
      fail(
        `processed_events past retention at ${service}`,
        await q(
          service,
          `SELECT event_id::text FROM processed_events WHERE processed_at < clock_timestamp() - $1 * interval '1 millisecond' LIMIT 5`,
          [retention.inboxMs + slack],
        ),
      );
    }
    for (const service of holding('reconciliation')) {
      fail(
        `reconciliation_runs past retention at ${service}`,
        await q(
          service,
          `SELECT id::text FROM reconciliation_runs WHERE started_at < clock_timestamp() - $1 * interval '1 millisecond' LIMIT 5`,
          [retention.runsMs + slack],
        ),
      );
    }
    for (const service of holding('pendingRenames')) {
      fail(
        `decided pending_renames past retention at ${service}`,
        await q(
          service,
          `SELECT transaction_id::text FROM pending_renames WHERE state <> 'PREPARED' AND decided_at < clock_timestamp() - $1 * interval '1 millisecond' LIMIT 5`,
          [retention.renamesMs + slack],
        ),
      );
    }
    fail(
      'rename_transactions past retention',
      await q(
        'coordinator',
        `SELECT id::text FROM rename_transactions WHERE decided_at < clock_timestamp() - $1 * interval '1 millisecond' LIMIT 5`,
        [retention.renamesMs + slack],
      ),
    );
    for (const service of holding('outbox')) {
      fail(
        `published outbox rows past the maximum retention at ${service}`,
        await q(
          service,
          `SELECT id::text FROM outbox_events WHERE published_at < clock_timestamp() - $1 * interval '1 millisecond' LIMIT 5`,
          [retention.outboxMaxMs + slack],
        ),
      );
      fail(
        `unpublished outbox rows at ${service}`,
        await q(service, 'SELECT id::text FROM outbox_events WHERE published_at IS NULL LIMIT 5'),
      );
    }
    Object.assign(counts, await redisCounts(input, fail));
  } finally {
    await Promise.all([...clients.values()].map((client) => client.end().catch(() => {})));
  }
  return { violations, counts };
}

/** Redis: no finished job kept (completed or failed), reconciliation schedules keeping at most their last runs. */
async function redisCounts(input: InvariantInput, fail: (message: string, sample: Rows) => void) {
  const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${input.prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const sized: Rows = [];
    let parked = 0;
    for (const key of keys) {
      const [, queue, kind] = key.slice(input.prefix.length).split(':');
      if (kind !== 'completed' && kind !== 'failed' && kind !== 'wait') continue;
      const size = kind === 'wait' ? await redis.llen(key) : await redis.zcard(key);
      if (queue === 'dead-letter') {
        if (kind === 'wait') parked = size;
        continue;
      }
      const limit = queue?.startsWith('reconcile.') ? (kind === 'completed' ? 10 : 50) : 0;
      if (kind !== 'wait' && size > limit) sized.push({ key, size, limit });
    }
    fail('finished jobs kept in Redis beyond their limit', sized);
    return { redisKeys: keys.length, parkedEvents: parked };
  } finally {
    redis.disconnect();
  }
}
