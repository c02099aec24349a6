/**
 * The scenarios measured per client session rather than under a closed-loop load. Read your writes:
 * sessions that rename a product (or a driver) and at once read the orders (or rides) that copy its
 * name, with the consistency token the write returned and without it. The hybrid read with @defer:
 * time to its first payload (the rides' own fields) and to its last (their drivers), against the same
 * read without @defer.
 */
import { operatorAuthorization, post, round, summarize } from '../harness/index.ts';
import type { Row } from '../reads.ts';

/** How a token read was honoured: the strongest outcome any service reported in `extensions.consistency`. */
type Outcome = 'fresh' | 'waited' | 'owner' | 'stale';

interface Answer {
  data?: Row;
  extensions?: { consistencyToken?: string; consistency?: Record<string, Partial<Record<Outcome, number>>> };
}

/**
 * `sessions` sessions, `parallel` at a time, each a product or driver rename then a read with the
 * token, then the same without it. Worker `w` renames only its own products and drivers (index ≡ w
 * modulo `parallel`): a newer name written by another session would count as stale. A read is stale
 * when a copied name or the owner's name (through the entity cache) is not the session's own.
 */
export async function readYourWrites(
  url: string,
  ids: { products: readonly string[]; drivers: readonly string[] },
  options: { situation: string; sessions: number; parallel: number },
) {
  const send = async (query: string, variables: object, token?: string) => {
    const started = performance.now();
    const headers: Record<string, string> = token ? { 'x-consistency-token': token } : {};
    const answer = await post(url, JSON.stringify({ query, variables }), { headers });
    return { ms: performance.now() - started, ...(JSON.parse(answer.body) as Answer) };
  };
  const reads: { token: boolean; ms: number; stale: boolean; outcome: Outcome | 'unreported' }[] = [];
  let failedWrites = 0;
  const session = async (w: number, k: number, withToken: boolean) => {
    const driver = k % 2 === 1;
    const mine = (driver ? ids.drivers : ids.products).filter((_, i) => i % options.parallel === w);
    const id = mine[Math.floor(k / 2) % mine.length];
    const name = `${driver ? 'Driver' : 'Product'} ${w}.${k} ${withToken ? 'token' : 'plain'} ${Date.now()}`;
    const written = await send(
      `mutation ($id: ID!, $name: String!) { ${driver ? 'updateDriver' : 'updateProduct'}(id: $id, input: { name: $name }) { id } }`,
      { id, name },
    );
    if (!written.data) return failedWrites++;
    const read = await send(
      driver
        ? '{ rides(first: 100) { driverId driverName driver { name } } }'
        : '{ orders(first: 100) { items { productName product { id name } } } }',
      {},
      withToken ? written.extensions?.consistencyToken : undefined,
    );
    const names: unknown[] = driver
      ? (read.data?.rides ?? [])
          .filter((ride: Row) => ride.driverId === id)
          .flatMap((ride: Row) => [ride.driverName, ride.driver?.name])
      : (read.data?.orders ?? [])
          .flatMap((order: Row) => order.items)
          .filter((item: Row) => item.product?.id === id)
          .flatMap((item: Row) => [item.productName, item.product.name]);
    const report = Object.values(read.extensions?.consistency ?? {});
    const outcome = (['stale', 'owner', 'waited', 'fresh'] as const).find((o) =>
      report.some((service) => (service[o] ?? 0) > 0),
    );
    reads.push({
      token: withToken,
      ms: read.ms,
      stale: names.length === 0 || names.some((n) => n !== name),
      outcome: outcome ?? 'unreported',
    });
  };
  await Promise.all(
    Array.from({ length: options.parallel }, async (_, w) => {
      for (let k = 0; k < options.sessions / options.parallel; k++) {
        await session(w, k, true);
        await session(w, k, false);
      }
    }),
  );
  const [token, plain] = [reads.filter((r) => r.token), reads.filter((r) => !r.token)];
  const share = (outcome: Outcome | 'unreported') =>
    round((100 * token.filter((r) => r.outcome === outcome).length) / Math.max(1, token.length));
  const outcomes = ['fresh', 'waited', 'owner', 'stale', 'unreported'] as const;
  return {
    situation: options.situation,
    /** Reads with a token (as many without). */
    reads: token.length,
    staleWithToken: token.filter((r) => r.stale).length,
    staleWithoutToken: plain.filter((r) => r.stale).length,
    /** Sessions whose write failed (an overloaded machine): not counted. */
    sessionsWithAFailedWrite: failedWrites,
    tokenReadMs: summarize(token.map((r) => r.ms)),
    plainReadMs: summarize(plain.map((r) => r.ms)),
    /** Token reads by how they were honoured, % of them. */
    sharePercent: Object.fromEntries(outcomes.map((o) => [o, share(o)])) as Record<
      (typeof outcomes)[number],
      number
    >,
  };
}

export type ReadYourWrites = Awaited<ReturnType<typeof readYourWrites>>;

/**
 * `rounds` times, one request at a time: `deferred` (the rides' details in an `@defer` fragment)
 * with `Accept: multipart/mixed`, timed to its first and its last part, then `whole`, the same read
 * without @defer.
 */
export async function deferRead(
  url: string,
  queries: { deferred: string; whole: string },
  options: { situation: string; rounds: number; signal: AbortSignal },
) {
  const post = async (query: string, accept: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept, authorization: await operatorAuthorization() },
      body: JSON.stringify({ query }),
      signal: options.signal,
    });
  const [first, last, whole] = [[] as number[], [] as number[], [] as number[]];
  let failed = 0;
  for (let i = 0; i < options.rounds; i++) {
    let start = performance.now();
    const response = await post(queries.deferred, 'multipart/mixed;deferSpec=20220824, application/json');
    let firstMs: number | undefined;
    for await (const _part of response.body ?? []) firstMs ??= performance.now() - start;
    first.push(firstMs ?? Number.NaN);
    last.push(performance.now() - start);
    start = performance.now();
    const plain = await post(queries.whole, 'application/json');
    await plain.text();
    whole.push(performance.now() - start);
    if (!response.ok || !plain.ok) failed++;
  }
  return {
    situation: options.situation,
    rounds: options.rounds,
    failed,
    firstPayloadMs: summarize(first),
    lastPayloadMs: summarize(last),
    withoutDeferMs: summarize(whole),
  };
}
export type DeferRead = Awaited<ReturnType<typeof deferRead>>;
