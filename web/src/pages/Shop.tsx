import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { ErrorNotice } from '../errors.tsx';
import { graphql } from '../graphql/index.ts';
import type { Session } from '../session.ts';

const ShopCatalogQuery = graphql(`
  query ShopCatalog($first: Int!, $after: String) {
    products(first: $first, after: $after) {
      id
      name
      price
      stock
    }
  }
`);

const ProductStockSubscription = graphql(`
  subscription ProductStock($id: ID!) {
    productUpdated(id: $id) {
      id
      stock
    }
  }
`);

/**
 * Products per page, each followed by its own `productUpdated` subscription: the gateway holds at
 * most 20 open subscriptions per caller (SUBSCRIPTIONS_PER_CALLER), so a page's 8, plus the order
 * being followed, leave room for a second tab.
 */
const PAGE_SIZE = 8;

const PlaceOrderMutation = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
      status
      total
      items {
        productName
        unitPrice
        quantity
      }
    }
  }
`);

const OrderUpdatedSubscription = graphql(`
  subscription OrderUpdated($id: ID!) {
    orderUpdated(id: $id) {
      id
      status
      total
      shipment {
        id
        status
      }
    }
  }
`);

/**
 * The catalog, a page at a time, with live stock (inventory: each product on the page followed by
 * subscription, never polled), and an order followed from PLACED to its outcome.
 */
export function Shop({ session }: { session: Session }) {
  // The `after` cursors of the pages before this one (a page's cursor is the previous page's last id).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const after = cursors.at(-1);
  const catalog = useQuery(ShopCatalogQuery, {
    variables: { first: PAGE_SIZE, ...(after ? { after } : {}) },
    errorPolicy: 'all',
  });
  const [placeOrder, placed] = useMutation(PlaceOrderMutation);
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [orderId, setOrderId] = useState<string>();
  const products = catalog.data?.products ?? [];
  const lastId = products.at(-1)?.id;

  return (
    <>
      <p>
        Stock comes live from the inventory service, pushed by the gateway whenever it changes (an order
        reserves it, an operator restocks); names and prices from the product service. An order copies the
        name and price, then inventory and shipping react to its OrderCreated event.
      </p>
      <ErrorNotice error={placed.error} />
      {orderId && <OrderProgress id={orderId} />}
      <ErrorNotice error={catalog.error} onRetry={() => void catalog.refetch()} />
      <table>
        <caption>Catalog</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Price</th>
            <th scope="col">In stock</th>
            <th scope="col">Order</th>
          </tr>
        </thead>
        <tbody>
          {products.map((product) => (
            <tr key={product.id}>
              <th scope="row">{product.name}</th>
              <td>{product.price.toFixed(2)}</td>
              <LiveStock id={product.id} stock={product.stock ?? null} />
              <td>
                <form
                  className="inline"
                  onSubmit={async (event) => {
                    event.preventDefault();
                    const result = await placeOrder({
                      variables: {
                        input: {
                          customerId: session.subject,
                          items: [{ productId: product.id, quantity: quantities[product.id] ?? 1 }],
                        },
                      },
                    }).catch(() => undefined);
                    if (result?.data) {
                      setOrderId(result.data.placeOrder.id);
                      // At once, with the order's consistency token: the stock shows its reservation.
                      void catalog.refetch();
                    }
                  }}
                >
                  <label>
                    <span className="visually-hidden">Quantity of {product.name}</span>
                    <input
                      type="number"
                      min={1}
                      max={1000}
                      value={quantities[product.id] ?? 1}
                      onChange={(event) =>
                        setQuantities({ ...quantities, [product.id]: Number(event.target.value) })
                      }
                    />
                  </label>
                  <button type="submit" disabled={placed.loading}>
                    Order <span className="visually-hidden">{product.name}</span>
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="Catalog pages">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors((list) => list.slice(0, -1))}
        >
          Previous page
        </button>{' '}
        <button
          type="button"
          disabled={products.length < PAGE_SIZE || !lastId}
          onClick={() => setCursors((list) => [...list, lastId])}
        >
          Next page
        </button>
      </nav>
    </>
  );
}

/**
 * A product's stock, followed while its row is shown: each payload of its `productUpdated`
 * subscription (graphql-ws, pushed by the gateway on ProductUpdated, an order's reservation and a
 * restock) lands in the cache under the product, where the catalog's row reads it.
 */
function LiveStock({ id, stock }: { id: string; stock: number | null }) {
  const live = useSubscription(ProductStockSubscription, { variables: { id }, errorPolicy: 'all' });
  return (
    <td>
      <span data-testid="stock">{stock ?? 'unknown (inventory unavailable)'}</span>
      {live.error && (
        <span className="muted" title={live.error.message}>
          {' '}
          (not live)
        </span>
      )}
    </td>
  );
}

/**
 * Follows the order by subscription (graphql-ws, pushed by the gateway from the event bus): its
 * state when it starts, then each change of status or shipment; shows each state seen.
 */
function OrderProgress({ id }: { id: string }) {
  const [startedAt] = useState(() => performance.now());
  const [seen, setSeen] = useState<{ state: string; atMs: number }[]>([]);
  const progress = useSubscription(OrderUpdatedSubscription, { variables: { id } });
  const order = progress.data?.orderUpdated;
  const state = order
    ? `${order.status}${order.shipment ? `, shipment ${order.shipment.status}` : ''}`
    : undefined;
  useEffect(() => {
    if (!state) return;
    setSeen((list) =>
      list.at(-1)?.state === state
        ? list
        : [...list, { state, atMs: Math.round(performance.now() - startedAt) }],
    );
  }, [state, startedAt]);

  return (
    <section aria-labelledby="order-progress" aria-live="polite">
      <h2 id="order-progress">Your order</h2>
      <p>
        Order <code>{id}</code>: <strong data-testid="order-status">{order?.status ?? 'PLACED'}</strong>
        {order?.shipment ? ` with shipment ${order.shipment.status}` : ' (no shipment yet)'}
      </p>
      <ol className="timeline">
        {seen.map((entry) => (
          <li key={entry.state}>
            {entry.state} <span className="muted">after {entry.atMs} ms</span>
          </li>
        ))}
      </ol>
      <ErrorNotice error={progress.error} onRetry={() => progress.restart()} />
    </section>
  );
}
