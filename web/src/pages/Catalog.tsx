import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { ErrorNotice } from '../errors.tsx';
import type { Consistency } from '../graphql/graphql.ts';
import { graphql } from '../graphql/index.ts';

const CatalogProductsQuery = graphql(`
  query CatalogProducts {
    products(first: 50) {
      id
      name
      version
    }
  }
`);

const RenameProductMutation = graphql(`
  mutation RenameProduct($id: ID!, $name: String!, $consistency: Consistency!) {
    renameProduct(id: $id, name: $name, consistency: $consistency) {
      id
      name
      version
    }
  }
`);

const OrderCopyQuery = graphql(`
  query OrderCopy($id: ID!) {
    order(id: $id) {
      id
      items {
        productName
        product {
          id
        }
      }
    }
  }
`);

const CopyLagQuery = graphql(`
  query CopyLag {
    replicationStatus {
      id
      productName {
        copy
        lagP50Ms
        lagP99Ms
        eventsApplied
      }
    }
  }
`);

const ProductCopiesQuery = graphql(`
  query ProductCopies($after: String) {
    orders(first: 100, after: $after) {
      id
      items {
        productName
        product {
          id
        }
      }
    }
  }
`);

interface Copy {
  key: string;
  orderId: string;
  name: string;
  /** When this page first saw the copy carry the new name, in ms after the rename answered. */
  currentAfterMs?: number;
}

interface Watch {
  consistency: Consistency;
  productId: string;
  name: string;
  copies: Copy[];
  done: boolean;
  /** The last failed read, in words. */
  error?: unknown;
}

// Each check reads only the orders found holding a copy, one small query each, to stay well inside
// the caller's rate budget (a full scan costs thousands of units).
const POLL_MS = 250;
const WATCH_FOR_MS = 15_000;

/**
 * Rename a product EVENTUAL (the owner's write and an event) or STRONG (the coordinator: every copy
 * or none), then watch every order copy of its name converge, each with the lag this page measured.
 */
export function Catalog() {
  const client = useApolloClient();
  const products = useQuery(CatalogProductsQuery);
  const [rename, renamed] = useMutation(RenameProductMutation);
  const [productId, setProductId] = useState('');
  const [name, setName] = useState('');
  const [consistency, setConsistency] = useState<Consistency>('EVENTUAL');
  const [watch, setWatch] = useState<Watch>();
  const [unchanged, setUnchanged] = useState<string>();

  const selected =
    products.data?.products.find((product) => product.id === productId) ?? products.data?.products[0];

  type Seen = { key: string; orderId: string; name: string };
  const scanCopies = async (id: string): Promise<Seen[]> => {
    const copies: Seen[] = [];
    let after: string | undefined;
    for (;;) {
      const { data, error } = await client.query({
        query: ProductCopiesQuery,
        variables: { after },
        fetchPolicy: 'network-only',
      });
      if (error || !data) throw error ?? new Error('no answer');
      for (const order of data.orders) copies.push(...copiesIn(order, id));
      if (data.orders.length < 100) return copies;
      after = data.orders.at(-1)?.id;
    }
  };
  const copiesIn = (
    order: { id: string; items: { productName: string; product?: { id: string } | null }[] },
    id: string,
  ) =>
    order.items.flatMap((item, index) =>
      item.product?.id === id
        ? [{ key: `${order.id}/${index}`, orderId: order.id, name: item.productName }]
        : [],
    );
  const readCopies = async (orderIds: string[], id: string): Promise<Seen[]> => {
    const answers = await Promise.all(
      orderIds.map((orderId) =>
        client.query({ query: OrderCopyQuery, variables: { id: orderId }, fetchPolicy: 'network-only' }),
      ),
    );
    return answers.flatMap(({ data, error }) => {
      if (error || !data?.order) throw error ?? new Error('an order disappeared');
      return copiesIn(data.order, id);
    });
  };

  const watchCopies = async (next: Watch, answeredAt: number, orderIds: string[]) => {
    const deadline = answeredAt + WATCH_FOR_MS;
    let state = next;
    while (!state.done) {
      let seen: Seen[] | undefined;
      let error: unknown;
      try {
        seen = await readCopies(orderIds, state.productId);
      } catch (failure) {
        error = failure;
      }
      const at = Math.round(performance.now() - answeredAt);
      const before = new Map(state.copies.map((copy) => [copy.key, copy]));
      const copies = seen
        ? seen.map((copy) => {
            const currentAfterMs =
              before.get(copy.key)?.currentAfterMs ?? (copy.name === state.name ? at : undefined);
            return { ...copy, ...(currentAfterMs !== undefined ? { currentAfterMs } : {}) };
          })
        : state.copies;
      const done =
        (seen !== undefined && copies.every((copy) => copy.currentAfterMs !== undefined)) ||
        performance.now() > deadline;
      state = { ...state, copies, done, error };
      setWatch(state);
      if (!state.done) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  return (
    <>
      <p>
        <strong>EVENTUAL</strong>: the product service commits the new name with a ProductUpdated event; each
        order copy follows when the order service applies it. <strong>STRONG</strong>: the coordinator
        prepares the product and every copy, then commits all of them, or none when a participant fails.
      </p>
      <ErrorNotice error={products.error} onRetry={() => void products.refetch()} />
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (!selected) return;
          setUnchanged(undefined);
          const result = await rename({ variables: { id: selected.id, name, consistency } }).catch(
            () => undefined,
          );
          const answeredAt = performance.now();
          if (!result?.data) {
            // A refusal must have left everything as it was: show what the owner holds now.
            const { data } = await products.refetch();
            const now = data?.products.find((product) => product.id === selected.id);
            setUnchanged(
              now
                ? `Nothing changed: the product is still named “${now.name}” (version ${now.version}).`
                : undefined,
            );
            return;
          }
          const next: Watch = {
            consistency,
            productId: selected.id,
            name: result.data.renameProduct.name,
            copies: [],
            done: false,
          };
          setWatch(next);
          // Where the copies are; the order ids do not change while we watch.
          const holders = await scanCopies(selected.id).catch((error: unknown) => {
            setWatch({ ...next, done: true, error });
            return undefined;
          });
          if (holders) void watchCopies(next, answeredAt, [...new Set(holders.map((copy) => copy.orderId))]);
        }}
      >
        <label>
          Product
          <select value={selected?.id ?? ''} onChange={(event) => setProductId(event.target.value)}>
            {products.data?.products.map((product) => (
              <option key={product.id} value={product.id}>
                {product.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          New name
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} />
        </label>
        <fieldset>
          <legend>Consistency</legend>
          {(['EVENTUAL', 'STRONG'] as const).map((choice) => (
            <label key={choice} className="choice">
              <input
                type="radio"
                name="consistency"
                value={choice}
                checked={consistency === choice}
                onChange={() => setConsistency(choice)}
              />
              {choice}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={renamed.loading || !selected}>
          Rename
        </button>
      </form>
      <ErrorNotice error={renamed.error} />
      {unchanged && <p data-testid="unchanged">{unchanged}</p>}
      {watch && <CopyTimeline watch={watch} />}
    </>
  );
}

function CopyTimeline({ watch }: { watch: Watch }) {
  const lag = useQuery(CopyLagQuery, { skip: !watch.done, fetchPolicy: 'network-only' });
  const measured = lag.data?.replicationStatus.productName;
  const current = watch.copies.filter((copy) => copy.currentAfterMs !== undefined);
  const lags = current.map((copy) => copy.currentAfterMs as number).sort((a, b) => a - b);
  const span = Math.max(1, lags.at(-1) ?? 1);
  return (
    <section aria-labelledby="copies" aria-live="polite">
      <h2 id="copies">
        Copies of “{watch.name}” ({watch.consistency})
      </h2>
      <p data-testid="copies-summary">
        {current.length} of {watch.copies.length} copies current
        {lags.length > 0 && `; last one seen after ${lags.at(-1)} ms (checked every ${POLL_MS} ms)`}
        {watch.done ? '.' : '…'}
      </p>
      {measured && watch.consistency === 'EVENTUAL' && (
        <p>
          Measured by the order service (owner's commit to the copy's commit, {measured.eventsApplied} recent
          events): p50 {measured.lagP50Ms?.toFixed(1) ?? '–'} ms, p99 {measured.lagP99Ms?.toFixed(1) ?? '–'}{' '}
          ms.
        </p>
      )}
      {watch.consistency === 'STRONG' && watch.done && current.length === watch.copies.length && (
        <p>STRONG: every copy was committed with the product, before the rename answered.</p>
      )}
      <ErrorNotice error={watch.error} />
      <ol className="copy-timeline">
        {watch.copies.map((copy) => (
          <li key={copy.key}>
            <span className="copy-label">order {copy.orderId.slice(0, 8)}</span>
            {copy.currentAfterMs !== undefined ? (
              <span
                className="bar"
                style={{ width: `${Math.max(2, (copy.currentAfterMs / span) * 100)}%` }}
                title={`current after ${copy.currentAfterMs} ms`}
              >
                {copy.currentAfterMs} ms
              </span>
            ) : (
              <span className="stale">still “{copy.name}”</span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
