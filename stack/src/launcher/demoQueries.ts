/** The demo queries printed by `npm start`, shown in docs/using-the-api.md, and run by the end-to-end suite. */
export const demoQueries = {
  /** Request/response: one query plan, one `_entities` fetch per subgraph level, batched SQL in each. */
  ordersWithProducts: `query OrdersWithProducts {
  orders(first: 5) {
    id
    status
    total
    items {
      productName
      unitPrice
      quantity
      product { name price stock }
    }
    shipment { status }
  }
}`,
  /** Hybrid: `driverName` from the ride's own row, `driver { ... }` live from the driver service. */
  ridesWithDrivers: `query RidesWithDrivers {
  rides(first: 5) {
    id
    pickup
    dropoff
    driverName
    driver { name rating ratingCount car { make model color } }
  }
}`,
  /** Duplication at write: the order stores the product's current name (a copy) and price (a snapshot). */
  placeOrder: (productIds: string[]) => `mutation PlaceOrder {
  placeOrder(input: {
    customerId: "customer-001"
    items: [${productIds.map((id, i) => `{ productId: "${id}", quantity: ${i + 1} }`).join(', ')}]
  }) {
    id
    status
    total
    items { productName unitPrice quantity product { name price } }
  }
}`,
};
