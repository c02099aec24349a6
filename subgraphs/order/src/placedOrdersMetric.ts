import { type BackgroundProcess, metrics } from '@msd/service-kit';
import { Gauge } from 'prom-client';
import type { OrderDatabase } from './data/database.ts';
import { placedOrdersSummary } from './data/placedOrdersSummary.ts';

// Read at scrape time from every order server of this process (one in production, several in tests).
const databases = new Set<OrderDatabase>();

const summaries = async () =>
  Promise.all([...databases].map((db) => placedOrdersSummary(db).catch(() => undefined)));

new Gauge({
  name: 'orders_placed',
  help: 'Orders still PLACED: waiting for inventory to reserve or reject their stock',
  registers: [metrics],
  async collect() {
    this.set((await summaries()).reduce((sum, s) => sum + (s?.count ?? 0), 0));
  },
});
new Gauge({
  name: 'orders_placed_oldest_age_seconds',
  help: 'Age of the oldest order still PLACED; it grows when the OrderCreated → StockReserved path is stuck',
  registers: [metrics],
  async collect() {
    this.set(Math.max(0, ...(await summaries()).map((s) => s?.oldestAgeSeconds ?? 0)));
  },
});

/**
 * Exposes how many orders wait for inventory's verdict, and for how long, on /metrics: the choreography
 * (OrderCreated → inventory → StockReserved/StockRejected) has no other symptom when it stalls.
 */
export function placedOrdersMetric(db: OrderDatabase): BackgroundProcess {
  return {
    async start() {
      databases.add(db);
    },
    async stop() {
      databases.delete(db);
    },
  };
}
