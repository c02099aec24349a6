/**
 * The floor of the 3-hop read: the same answer as
 * `orders(first: 100) { id total items { quantity productName product { name price stock } } }`,
 * built by one process with four prepared SQL statements against the three databases (orders and
 * their items, then products and stock levels side by side) and one JSON.stringify: no GraphQL, no
 * HTTP hop, no per-request objects beyond the rows. What the data itself costs to read and send.
 */
import pg from 'pg';

export interface FloorRead {
  /** The answer's JSON text. */
  read(): Promise<string>;
  close(): Promise<void>;
}

export function createFloorRead(urls: { order: string; product: string; inventory: string }): FloorRead {
  // Few connections: the reads are short, and the PostgreSQL server's slots are shared.
  const pool = (url: string) => new pg.Pool({ connectionString: url, max: 4 });
  const order = pool(urls.order);
  const product = pool(urls.product);
  const inventory = pool(urls.inventory);
  return {
    async read() {
      const orders = await order.query<{ id: string }>({
        name: 'floor-orders',
        text: 'SELECT id FROM orders ORDER BY id LIMIT 100',
      });
      const orderIds = orders.rows.map((row) => row.id);
      const items = await order.query<{
        order_id: string;
        product_id: string;
        product_name: string;
        unit_price_cents: number;
        quantity: number;
      }>({
        name: 'floor-items',
        text: `SELECT order_id, product_id, product_name, unit_price_cents, quantity FROM order_items
               WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, position`,
        values: [orderIds],
      });
      const productIds = [...new Set(items.rows.map((row) => row.product_id))];
      const [products, stock] = await Promise.all([
        product.query<{ id: string; name: string; price_cents: number }>({
          name: 'floor-products',
          text: 'SELECT id, name, price_cents FROM products WHERE id = ANY($1::uuid[])',
          values: [productIds],
        }),
        inventory.query<{ product_id: string; quantity: number }>({
          name: 'floor-stock',
          text: 'SELECT product_id, quantity FROM stock_levels WHERE product_id = ANY($1::uuid[])',
          values: [productIds],
        }),
      ]);
      const stockOf = new Map(stock.rows.map((row) => [row.product_id, row.quantity]));
      const productOf = new Map(
        products.rows.map((row) => [
          row.id,
          { name: row.name, price: row.price_cents / 100, stock: stockOf.get(row.id) ?? null },
        ]),
      );
      const itemsOf = new Map<string, typeof items.rows>();
      for (const row of items.rows) {
        const list = itemsOf.get(row.order_id);
        if (list) list.push(row);
        else itemsOf.set(row.order_id, [row]);
      }
      return JSON.stringify({
        data: {
          orders: orderIds.map((id) => {
            const rows = itemsOf.get(id) ?? [];
            return {
              id,
              total: rows.reduce((cents, row) => cents + row.unit_price_cents * row.quantity, 0) / 100,
              items: rows.map((row) => ({
                quantity: row.quantity,
                productName: row.product_name,
                product: productOf.get(row.product_id) ?? null,
              })),
            };
          }),
        },
      });
    },
    close: async () => {
      await Promise.all([order.end(), product.end(), inventory.end()]);
    },
  };
}
