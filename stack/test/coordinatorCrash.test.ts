import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { RenameFaults } from '@msd/coordination';
import type { createCoordinatorServer } from '@msd/coordinator-service';
import { openCoordinatorDatabase } from '@msd/coordinator-service/database';
import { createOrderServer } from '@msd/order-service';
import { openOrderDatabase } from '@msd/order-service/database';
import { createProductServer } from '@msd/product-service';
import { openProductDatabase } from '@msd/product-service/database';
import { repoRoot } from '@msd/registry';
import { metrics } from '@msd/service-kit';
import {
  counterIn,
  createTestDatabase,
  freePort,
  graphqlRequest,
  startTestSubgraph,
  type TestDatabase,
  type TestSubgraph,
  testServiceCalls,
} from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { builtEntry } from './support/loggedProcess.ts';

type CrashPoint = Exclude<Parameters<typeof createCoordinatorServer>[0], undefined>['crashAfter'];

const faults: { product: RenameFaults; order: RenameFaults } = { product: {}, order: {} };
let product: TestSubgraph;
let order: TestSubgraph;
let coordinatorDatabase: TestDatabase;
let coordinatorUrl: string;
let port: number;
let productDb: ReturnType<typeof openProductDatabase>;
let orderDb: ReturnType<typeof openOrderDatabase>;
let coordinatorDb: ReturnType<typeof openCoordinatorDatabase>;
const productIds: string[] = [];

beforeAll(async () => {
  port = await freePort();
  coordinatorUrl = `http://127.0.0.1:${port}/graphql`;
  const rename = (service: 'product' | 'order') => ({
    rename: { faults: faults[service], inDoubtAfterMs: 500 },
  });
  [product, coordinatorDatabase] = await Promise.all([
    startTestSubgraph('product', (o) =>
      createProductServer({
        ...o,
        services: testServiceCalls({ coordinator: coordinatorUrl }, 'product'),
        ...rename('product'),
      }),
    ),
    createTestDatabase('coordinator'),
  ]);
  order = await startTestSubgraph('order', (o) =>
    createOrderServer({
      ...o,
      services: testServiceCalls({ coordinator: coordinatorUrl, product: product.url }, 'order'),
      ...rename('order'),
    }),
  );
  for (let i = 0; i < 8; i++) {
    const { data } = await graphqlRequest<{ createProduct: { id: string } }>(
      product.url,
      'mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      { input: { sku: `CRASH-${i}`, name: `Crash ${i}`, price: 1 } },
      { asService: 'product' },
    );
    productIds.push(data!.createProduct.id);
  }
  for (let i = 0; i < 5; i++) {
    const placed = await graphqlRequest(
      order.url,
      'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
      { input: { customerId: `c${i}`, items: productIds.map((productId) => ({ productId, quantity: 1 })) } },
      { asService: 'order', as: 'customer', subject: `c${i}` },
    );
    expect(placed.errors).toBeUndefined();
  }
  productDb = openProductDatabase(product.databaseUrl);
  orderDb = openOrderDatabase(order.databaseUrl);
  coordinatorDb = openCoordinatorDatabase(coordinatorDatabase.url);
}, 120_000);
afterAll(async () => {
  await Promise.all([productDb?.$disconnect(), orderDb?.$disconnect(), coordinatorDb?.$disconnect()]);
  await Promise.all([product?.stop(), order?.stop()]);
  await coordinatorDatabase?.drop();
});

/**
 * The coordinator as a process of its own, as it runs in production (compiled JavaScript, built once
 * by the system tier's setup: it starts in a fraction of the time tsx takes), so it can be killed for real.
 */
async function startCoordinatorProcess(crashAfter?: CrashPoint) {
  const child: ChildProcess = spawn(process.execPath, builtEntry('subgraphs/coordinator/dist/index.js'), {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      COORDINATOR_DATABASE_URL: coordinatorDatabase.url,
      PRODUCT_URL: product.url,
      ORDER_URL: order.url,
      RENAME_PARTICIPANT_TIMEOUT_MS: '1000',
      ...(crashAfter ? { COORDINATOR_CRASH_AFTER: crashAfter } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await vi.waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`coordinator exited early:\n${output.join('\n')}`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    },
    // A process takes a while to start on a loaded 2-core machine.
    { timeout: 60_000, interval: 50 },
  );
  return {
    output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const renameStrong = (id: string, name: string) =>
  graphqlRequest<{ renameProduct: { id: string } }>(
    coordinatorUrl,
    'mutation ($id: ID!, $name: String!) { renameProduct(id: $id, name: $name, consistency: STRONG) { id } }',
    { id, name },
    { asService: 'coordinator' },
  ).catch((error: Error) => ({ errors: [{ message: error.message }] }));

async function snapshot(productId: string) {
  const owner = await productDb.product.findUniqueOrThrow({
    where: { id: productId },
    select: { name: true, version: true },
  });
  const copies = await orderDb.orderItem.findMany({
    where: { productId },
    select: { productName: true, productVersion: true },
    orderBy: { id: 'asc' },
  });
  return { owner, copies };
}

const pendingStates = async (db: typeof productDb | typeof orderDb, productId: string) =>
  (
    await db.$queryRaw<
      { state: string }[]
    >`SELECT state FROM pending_renames WHERE product_id = ${productId}::uuid ORDER BY prepared_at`
  ).map((row) => row.state);

/** What the log holds when the process dies right after each step, and how recovery ends it. */
const cases: { step: NonNullable<CrashPoint>; logged: string; final: 'COMMITTED' | 'ABORTED' }[] = [
  { step: 'PREPARING', logged: 'PREPARING', final: 'ABORTED' },
  { step: 'PREPARED', logged: 'PREPARING', final: 'ABORTED' },
  { step: 'COMMITTING', logged: 'COMMITTING', final: 'COMMITTED' },
  { step: 'PRODUCT_COMMITTED', logged: 'COMMITTING', final: 'COMMITTED' },
  { step: 'COMMITTED', logged: 'COMMITTED', final: 'COMMITTED' },
  { step: 'ABORTING', logged: 'ABORTING', final: 'ABORTED' },
  { step: 'ABORTED', logged: 'ABORTED', final: 'ABORTED' },
];

describe('the coordinator killed after each step and restarted', () => {
  cases.forEach(({ step, logged, final }, index) => {
    it(`after ${step}: the log says ${logged}; restarted, it ends ${final} everywhere`, async () => {
      const id = productIds[index]!;
      const before = await snapshot(id);
      const name = `Renamed after a crash at ${step}`;
      // Abort paths need a refusal first: the order service refuses to prepare.
      if (final === 'ABORTED' && step.startsWith('ABORT')) faults.order.prepare = 'fail';
      const dying = await startCoordinatorProcess(step);
      try {
        const response = await renameStrong(id, name);
        expect(response.errors).toBeDefined();
        expect(await dying.exited).toEqual({ code: null, signal: 'SIGKILL' });
        expect(dying.output.join('\n')).toContain(`crash point reached: dying now step=${step}`);
      } finally {
        // Whatever failed above: the fault and the process stay in this test.
        delete faults.order.prepare;
        await dying.stop();
      }
      const [atDeath] = await coordinatorDb.renameTransaction.findMany({ where: { productId: id } });
      expect(atDeath!.state).toBe(logged);
      if (step === 'PREPARED') {
        // Both participants prepared and the coordinator is gone: they ask, get no answer, and wait
        // (past their in-doubt delay) rather than guess.
        const unreachable = async (participant: string) =>
          counterIn(await metrics.metrics(), 'rename_in_doubt_queries_total', {
            participant,
            answer: 'unreachable',
          });
        const asked = { product: await unreachable('product'), order: await unreachable('order') };
        await vi.waitFor(
          async () => {
            expect(await unreachable('product')).toBeGreaterThan(asked.product);
            expect(await unreachable('order')).toBeGreaterThan(asked.order);
          },
          { timeout: 10_000, interval: 100 },
        );
        expect(await pendingStates(productDb, id)).toEqual(['PREPARED']);
        expect(await pendingStates(orderDb, id)).toEqual(['PREPARED']);
        expect(await snapshot(id)).toEqual(before);
      }

      const restarted = await startCoordinatorProcess();
      try {
        await vi.waitFor(
          async () => {
            const row = await coordinatorDb.renameTransaction.findUniqueOrThrow({
              where: { id: atDeath!.id },
            });
            expect(row.state).toBe(final);
            // No participant is left holding an undecided prepare.
            expect(await pendingStates(productDb, id)).not.toContain('PREPARED');
            expect(await pendingStates(orderDb, id)).not.toContain('PREPARED');
          },
          { timeout: 10_000, interval: 100 },
        );
        const after = await snapshot(id);
        if (final === 'ABORTED') {
          expect(after).toEqual(before);
        } else {
          expect(after.owner).toEqual({ name, version: before.owner.version + 1 });
          expect(after.copies).toHaveLength(5);
          expect(
            after.copies.every((c) => c.productName === name && c.productVersion === after.owner.version),
          ).toBe(true);
        }
        // And the restarted coordinator serves new STRONG renames of the same product.
        const again = await renameStrong(id, `${name}, then again`);
        expect(again.errors).toBeUndefined();
        expect((await snapshot(id)).copies.every((c) => c.productName === `${name}, then again`)).toBe(true);
      } finally {
        await restarted.stop();
      }
    }, 90_000);
  });
});
