import type { RenameFaults } from '@msd/coordination';
import { openCoordinatorDatabase } from '@msd/coordinator-service/database';
import { openOrderDatabase } from '@msd/order-service/database';
import { openProductDatabase } from '@msd/product-service/database';
import { type GraphQLResponse, graphqlRequest } from '@msd/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedOrders, startTestFederation, type TestFederation } from '../src/index.ts';

// A budget per participant call that a loaded 2-core machine meets, and hangs well beyond it: each
// scenario then has one outcome (a slow machine is not a fault this file injects).
const TIMEOUT_MS = 1_500;
const HANG_MS = 2_500;
/** The randomized trials: two per scenario here; `npm run test:trials` (and `test:long`) runs hundreds. */
const TRIALS = Number(process.env.COORDINATOR_TRIALS ?? 10);
const faults: { product: RenameFaults; order: RenameFaults } = { product: {}, order: {} };
let federation: TestFederation;
let productDb: ReturnType<typeof openProductDatabase>;
let orderDb: ReturnType<typeof openOrderDatabase>;
let coordinatorDb: ReturnType<typeof openCoordinatorDatabase>;
let productIds: string[];

beforeAll(async () => {
  federation = await startTestFederation({
    events: true,
    entityCache: false,
    coordinator: {
      participantTimeoutMs: TIMEOUT_MS,
      commitDeadlineMs: 3_000,
      recoveryIntervalMs: 300,
      staleAfterMs: 4_000,
    },
    renameFaults: faults,
    inDoubtAfterMs: 4_000,
  });
  ({ productIds } = await seedOrders(federation.gatewayUrl, { products: 12, orders: 48, itemsPerOrder: 5 }));
  productDb = openProductDatabase(federation.subgraphs.product.databaseUrl);
  orderDb = openOrderDatabase(federation.subgraphs.order.databaseUrl);
  coordinatorDb = openCoordinatorDatabase(federation.coordinator!.databaseUrl);
}, 120_000);
afterAll(async () => {
  await Promise.all([productDb?.$disconnect(), orderDb?.$disconnect(), coordinatorDb?.$disconnect()]);
  await federation?.stop();
});

const clearFaults = () => {
  for (const participant of Object.values(faults))
    for (const key of Object.keys(participant)) delete participant[key as keyof RenameFaults];
};
/** Runs `test` with these faults injected, and clears them whatever happens: a failure stays in its test. */
async function withFaults<T>(inject: () => void, test: () => Promise<T>): Promise<T> {
  inject();
  try {
    return await test();
  } finally {
    clearFaults();
  }
}
/** The participant hangs on its next call of `phase` only: the retry that follows goes through. */
const hangOnce = (participant: RenameFaults, phase: 'prepare' | 'commit') => {
  let hangs = 1;
  participant.hangMs = HANG_MS;
  Object.defineProperty(participant, phase, {
    get: () => (hangs-- > 0 ? 'hang' : undefined),
    configurable: true,
    enumerable: true,
  });
};

type Consistency = 'STRONG' | 'EVENTUAL';
const rename = (id: string, name: string, consistency: Consistency = 'STRONG') =>
  graphqlRequest<{ renameProduct: { id: string; name: string; version: number } }>(
    federation.gatewayUrl,
    'mutation ($id: ID!, $name: String!, $c: Consistency!) { renameProduct(id: $id, name: $name, consistency: $c) { id name version } }',
    { id, name, c: consistency },
    { as: 'operator' },
  );

/** The owner's name and version, and every copy's, straight from the two databases. */
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

const consistent = (s: Awaited<ReturnType<typeof snapshot>>) =>
  s.copies.every((c) => c.productName === s.owner.name && c.productVersion === s.owner.version);

/** Participant rows still PREPARED (undecided) and coordinator rows not yet decided. */
async function undecided() {
  const [p, o, c] = await Promise.all([
    productDb.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pending_renames WHERE state = 'PREPARED'`,
    orderDb.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pending_renames WHERE state = 'PREPARED'`,
    coordinatorDb.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM rename_transactions WHERE state NOT IN ('COMMITTED', 'ABORTED')`,
  ]);
  return { product: Number(p[0]!.n), order: Number(o[0]!.n), coordinator: Number(c[0]!.n) };
}

const participantState = async (db: typeof productDb | typeof orderDb, transactionId: string) =>
  (
    await db.$queryRaw<
      { state: string }[]
    >`SELECT state FROM pending_renames WHERE transaction_id = ${transactionId}::uuid`
  )[0]?.state;

const errorOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions ?? {};

describe('renameProduct, EVENTUAL and STRONG', () => {
  it('EVENTUAL returns once the owner committed; the copies follow through the event', async () => {
    const id = productIds[0]!;
    const response = await rename(id, 'Eventual Kettle', 'EVENTUAL');
    expect(response.errors).toBeUndefined();
    expect(response.data!.renameProduct).toMatchObject({ id, name: 'Eventual Kettle' });
    await vi.waitFor(async () => expect(consistent(await snapshot(id))).toBe(true), { timeout: 3_000 });
  });

  it('STRONG returns only when the product and every copy hold the new name, at one version', async () => {
    const id = productIds[1]!;
    const before = await snapshot(id);
    expect(before.copies).toHaveLength(20);
    const response = await rename(id, 'Strong Kettle');
    expect(response.errors).toBeUndefined();
    expect(response.data!.renameProduct).toEqual({
      id,
      name: 'Strong Kettle',
      version: before.owner.version + 1,
    });
    const after = await snapshot(id);
    expect(after.owner).toEqual({ name: 'Strong Kettle', version: before.owner.version + 1 });
    expect(consistent(after)).toBe(true);
    const [logged] = await coordinatorDb.renameTransaction.findMany({ where: { productId: id } });
    expect(logged).toMatchObject({
      state: 'COMMITTED',
      version: after.owner.version,
      failedParticipant: null,
    });
  });

  it('refuses bad input before contacting anyone: BAD_USER_INPUT, NOT_FOUND (nothing logged as committed)', async () => {
    expect(errorOf(await rename(productIds[1]!, '   '))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(errorOf(await rename('not-an-id', 'x'))).toMatchObject({ code: 'NOT_FOUND' });
    const unknown = await rename('00000000-0000-7000-8000-000000000000', 'Ghost');
    expect(errorOf(unknown)).toMatchObject({ code: 'NOT_FOUND', participant: 'product', rolledBack: true });
    expect(errorOf(await rename('00000000-0000-7000-8000-000000000000', 'Ghost', 'EVENTUAL'))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('keeps the participant protocol out of the public API: the gateway rejects it, the subgraphs want the credential', async () => {
    const internal = [
      'mutation { prepareRename(transactionId: "x", productId: "y", name: "z") }',
      'mutation { commitCopyRename(transactionId: "x", version: 1) }',
      '{ renameOutcome(transactionId: "x") { state } }',
    ];
    for (const query of internal) {
      const response = await graphqlRequest(federation.gatewayUrl, query, {}, { as: 'operator' });
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const direct = await graphqlRequest(federation.subgraphs.product.url, internal[0]!);
    expect(direct.status).toBe(401);
    const outcome = await graphqlRequest(
      federation.coordinatorUrl!,
      internal[2]!,
      {},
      { asService: 'coordinator' },
    );
    expect(outcome.data).toEqual({ renameOutcome: { state: 'UNKNOWN' } });
  });
});

describe('STRONG renames under faults: all participants or none', () => {
  for (const participant of ['product', 'order'] as const) {
    it(`a ${participant} failing at prepare: PARTICIPANT_FAILED naming it, everyone rolled back, data as before`, async () => {
      const id = productIds[2]!;
      const before = await snapshot(id);
      const response = await withFaults(
        () => {
          faults[participant].prepare = 'fail';
        },
        () => rename(id, `Never ${participant}`),
      );
      expect(response.data).toBeNull();
      const error = errorOf(response);
      expect(error).toMatchObject({
        code: 'PARTICIPANT_FAILED',
        participant,
        phase: 'prepare',
        rolledBack: true,
      });
      expect(response.errors![0]!.message).toContain(participant);
      expect(await snapshot(id)).toEqual(before);
      const transactionId = error.transactionId as string;
      expect(await participantState(productDb, transactionId)).toBe('ABORTED');
      expect(await participantState(orderDb, transactionId)).toBe('ABORTED');
      expect(
        await coordinatorDb.renameTransaction.findUnique({ where: { id: transactionId } }),
      ).toMatchObject({
        state: 'ABORTED',
        failedParticipant: participant,
      });
    });

    it(`a ${participant} timing out at prepare: rolled back, and its late prepare is refused`, async () => {
      const id = productIds[2]!;
      const before = await snapshot(id);
      const started = Date.now();
      const response = await withFaults(
        () => hangOnce(faults[participant], 'prepare'),
        () => rename(id, `Too slow ${participant}`),
      );
      expect(errorOf(response)).toMatchObject({ code: 'PARTICIPANT_FAILED', participant, timedOut: true });
      expect(await snapshot(id)).toEqual(before);
      // The hung prepare goes on after the abort, for the rest of its hang; it cannot be observed
      // arriving, so the checks wait for its end: then the tombstone has refused it.
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(started + HANG_MS + 200), {
        timeout: HANG_MS + 1_000,
        interval: 100,
      });
      const transactionId = errorOf(response).transactionId as string;
      expect(await participantState(participant === 'product' ? productDb : orderDb, transactionId)).toBe(
        'ABORTED',
      );
      expect(await undecided()).toEqual({ product: 0, order: 0, coordinator: 0 });
      expect(await snapshot(id)).toEqual(before);
    });

    it(`a ${participant} failing once at commit: the coordinator retries and the rename completes`, async () => {
      const id = productIds[3]!;
      const response = await withFaults(
        () => {
          faults[participant].commit = 'fail-once';
        },
        () => rename(id, `Retried ${participant}`),
      );
      expect(response.errors).toBeUndefined();
      const after = await snapshot(id);
      expect(after.owner.name).toBe(`Retried ${participant}`);
      expect(consistent(after)).toBe(true);
    });
  }

  it('a participant that keeps failing after the commit decision: COMMIT_PENDING, then recovery completes it', async () => {
    const id = productIds[4]!;
    await withFaults(
      () => {
        faults.order.commit = 'fail';
      },
      async () => {
        const response = await rename(id, 'Committed late');
        expect(errorOf(response)).toMatchObject({
          code: 'COMMIT_PENDING',
          participant: 'order',
          phase: 'commit',
        });
        // Two-phase commit blocks here: the owner committed, the copies wait for the order service.
        expect((await snapshot(id)).owner.name).toBe('Committed late');
      },
    );
    await vi.waitFor(
      async () => {
        const after = await snapshot(id);
        expect(after.copies.every((c) => c.productName === 'Committed late')).toBe(true);
        expect(consistent(after)).toBe(true);
      },
      { timeout: 15_000, interval: 100 },
    );
    await vi.waitFor(
      async () => expect(await undecided()).toEqual({ product: 0, order: 0, coordinator: 0 }),
      { timeout: 15_000 },
    );
  });

  it('a participant timing out at commit: retried until it applies; the hung commit lands once', async () => {
    const id = productIds[5]!;
    const response = await withFaults(
      () => hangOnce(faults.order, 'commit'),
      () => rename(id, 'Slow commit'),
    );
    expect(response.errors).toBeUndefined();
    expect(consistent(await snapshot(id))).toBe(true);
    expect((await snapshot(id)).owner.name).toBe('Slow commit');
  });

  it('an abort that does not reach a prepared participant: it asks the coordinator and rolls back', async () => {
    const id = productIds[6]!;
    const before = await snapshot(id);
    const transactionId = await withFaults(
      () => {
        faults.order.prepare = 'fail';
        faults.product.abort = 'fail';
      },
      async () => {
        const response = await rename(id, 'Orphaned');
        expect(errorOf(response)).toMatchObject({ code: 'PARTICIPANT_FAILED', participant: 'order' });
        const transactionId = errorOf(response).transactionId as string;
        expect(await participantState(productDb, transactionId)).toBe('PREPARED');
        return transactionId;
      },
    );
    await vi.waitFor(async () => expect(await participantState(productDb, transactionId)).toBe('ABORTED'), {
      timeout: 15_000,
      interval: 100,
    });
    expect(await snapshot(id)).toEqual(before);
  });
});

describe('concurrency', () => {
  // Ten rounds of two-phase commits: on a loaded machine they outlast the default 30 s budget.
  it('two STRONG renames of one product at once: one wins, the other fails cleanly with CONFLICT', {
    timeout: 90_000,
  }, async () => {
    const id = productIds[7]!;
    for (let round = 0; round < 10; round++) {
      const responses = await Promise.all([rename(id, `Left ${round}`), rename(id, `Right ${round}`)]);
      const won = responses.filter((r) => !r.errors);
      expect(won.length).toBeGreaterThanOrEqual(1);
      for (const lost of responses.filter((r) => r.errors)) expect(errorOf(lost).code).toBe('CONFLICT');
      const after = await snapshot(id);
      expect(consistent(after)).toBe(true);
      expect(won.map((r) => r.data!.renameProduct.name)).toContain(after.owner.name);
    }
  });

  it('STRONG racing EVENTUAL renames: once both settle, every copy equals the owner (versions decide)', async () => {
    const id = productIds[8]!;
    for (let round = 0; round < 15; round++) {
      const responses = await Promise.all([
        rename(id, `Strong ${round}`),
        rename(id, `Eventual ${round}`, 'EVENTUAL'),
        rename(id, `Eventual bis ${round}`, 'EVENTUAL'),
      ]);
      // A racing rename never makes another fail.
      for (const response of responses) expect(response.errors).toBeUndefined();
    }
    await vi.waitFor(async () => expect(consistent(await snapshot(id))).toBe(true), { timeout: 15_000 });
  });
});

describe('randomized trials', () => {
  it('STRONG renames under random faults and races: each trial ends as its fault implies, all or nothing', async () => {
    let seed = Number(process.env.COORDINATOR_SEED ?? 20_261_126);
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    // The outcome each scenario implies: an injected prepare fault rolls back (a hang by its
    // timeout), a commit that fails once is retried to the end, a racing EVENTUAL rename never
    // makes a STRONG one fail.
    const expected = {
      none: 'committed',
      'prepare-fail': 'rolled back',
      'prepare-hang': 'timed out',
      'commit-fail-once': 'committed',
      'race-eventual': 'committed',
    } as const;
    const scenarios = Object.keys(expected) as (keyof typeof expected)[];
    const violations: string[] = [];
    const pool = productIds.slice(9, 12);
    // Every scenario in turn (each as often as the others); products and participants at random.
    for (let trial = 0; trial < TRIALS; trial++) {
      const scenario = scenarios[trial % scenarios.length]!;
      const id = pick(pool);
      const participant = pick(['product', 'order'] as const);
      const name = `Trial ${trial}`;
      const before = await snapshot(id);
      const [strong] = await withFaults(
        () => {
          if (scenario === 'prepare-fail') faults[participant].prepare = 'fail';
          if (scenario === 'prepare-hang') hangOnce(faults[participant], 'prepare');
          if (scenario === 'commit-fail-once') faults[participant].commit = 'fail-once';
        },
        () =>
          Promise.all([
            rename(id, name),
            scenario === 'race-eventual' ? rename(id, `${name} (eventual)`, 'EVENTUAL') : undefined,
          ]),
      );
      const error = errorOf(strong);
      const outcome = !strong.errors
        ? 'committed'
        : error.code === 'PARTICIPANT_FAILED' && error.participant === participant
          ? error.timedOut === true
            ? 'timed out'
            : 'rolled back'
          : `failed with ${JSON.stringify(error)}`;
      const violation = (what: string) =>
        violations.push(`trial ${trial} (${scenario}, ${participant}): ${what}`);
      if (outcome !== expected[scenario]) violation(`${outcome}, expected ${expected[scenario]}`);
      if (outcome === 'rolled back' || outcome === 'timed out') {
        // Nothing of the STRONG rename anywhere.
        const after = await snapshot(id);
        if (JSON.stringify(after) !== JSON.stringify(before))
          violation(`half-applied: ${JSON.stringify(after)}`);
      } else if (scenario !== 'race-eventual') {
        // Committed: the answer came once the owner and every copy held the new name.
        const after = await snapshot(id);
        if (!(after.owner.name === name && consistent(after)))
          violation(`copies disagree: ${JSON.stringify(after)}`);
      } else {
        // Raced: whichever version is newer wins everywhere once the event is applied.
        await vi
          .waitFor(async () => expect(consistent(await snapshot(id))).toBe(true), {
            timeout: 10_000,
            interval: 20,
          })
          .catch(async () => violation(`copies disagree: ${JSON.stringify(await snapshot(id))}`));
      }
    }
    // Everything settles: nothing is left undecided.
    await vi.waitFor(
      async () => expect(await undecided()).toEqual({ product: 0, order: 0, coordinator: 0 }),
      { timeout: 15_000 },
    );
    for (const id of pool)
      if (!consistent(await snapshot(id))) violations.push(`${id}: copies disagree at the end`);
    expect(violations).toEqual([]);
  }, 300_000);
});
