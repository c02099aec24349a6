import { useQuery } from '@apollo/client/react';
import { ErrorNotice } from '../errors.tsx';
import { graphql } from '../graphql/index.ts';

const OrdersWithCopiesQuery = graphql(`
  query OrdersWithCopies {
    orders(first: 20) {
      id
      status
      createdAt
      total
      items {
        productName
        unitPrice
        quantity
        product {
          id
          name
        }
      }
      shipment {
        status
      }
    }
  }
`);

/** Each item's copied `productName` beside the live product name: a copy that differs is stale. */
export function Orders() {
  // From the network each time the page opens: with the session's consistency token, never a name
  // older than this session's own renames (Apollo's cache could still hold one).
  const { data, error, refetch } = useQuery(OrdersWithCopiesQuery, {
    fetchPolicy: 'network-only',
    pollInterval: 3_000,
    errorPolicy: 'all',
  });
  return (
    <>
      <p>
        <em>Copied name</em> is the order's own copy (kept fresh by ProductUpdated events); <em>live name</em>{' '}
        is asked of the product service now. <em>Price paid</em> is a snapshot: it never follows the product.
      </p>
      <ErrorNotice error={error} onRetry={() => void refetch()} />
      {data?.orders.length === 0 && <p>No orders yet.</p>}
      {data?.orders.map((order) => (
        <table key={order.id}>
          <caption>
            Order {order.id.slice(0, 8)}: {order.status}, total {order.total.toFixed(2)}
            {order.shipment ? `, shipment ${order.shipment.status}` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Copied name</th>
              <th scope="col">Live name</th>
              <th scope="col">Copy</th>
              <th scope="col">Price paid</th>
              <th scope="col">Quantity</th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((item) => {
              const live = item.product?.name;
              const stale = live !== undefined && live !== item.productName;
              return (
                <tr
                  key={`${order.id}-${item.product?.id ?? item.productName}`}
                  className={stale ? 'stale' : undefined}
                >
                  <td>{item.productName}</td>
                  <td>{live ?? 'unavailable'}</td>
                  <td>{live === undefined ? 'cannot compare' : stale ? 'stale' : 'current'}</td>
                  <td>{item.unitPrice.toFixed(2)}</td>
                  <td>{item.quantity}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
    </>
  );
}
