import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { ErrorNotice } from '../errors.tsx';
import { graphql } from '../graphql/index.ts';
import type { Session } from '../session.ts';

const ShopCatalogQuery = graphql(`
  query ShopCatalog {
    products(first: 20) {
      id
      name
      price
      stock
    }
  }
`);

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

/** The catalog with live stock (inventory, polled), and an order followed from PLACED to its outcome. */
export function Shop({ session }: { session: Session }) {
  const catalog = useQuery(ShopCatalogQuery, { pollInterval: 2_000, errorPolicy: 'all' });
  const [placeOrder, placed] = useMutation(PlaceOrderMutation);
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [orderId, setOrderId] = useState<string>();

  return (
    <>
      <p>
        Stock comes live from the inventory service and refreshes every two seconds; names and prices from the
        product service. An order copies the name and price, then inventory and shipping react to its
        OrderCreated event.
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
          {catalog.data?.products.map((product) => (
            <tr key={product.id}>
              <th scope="row">{product.name}</th>
              <td>{product.price.toFixed(2)}</td>
              <td data-testid="stock">{product.stock ?? 'unknown (inventory unavailable)'}</td>
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
    </>
  );
}

/**
 * Follows the order by subscription (multipart HTTP, pushed by the gateway from the event bus): its
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
