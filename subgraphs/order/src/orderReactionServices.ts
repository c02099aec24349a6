import { createServiceClient, fetchEntities, type ServiceCalls } from '@msd/service-kit';

/**
 * What the order service asks inventory and shipping about an order's reactions, through their
 * GraphQL APIs with the service credential (never their databases).
 */
export function createOrderReactionServices(calls: ServiceCalls) {
  const inventory = createServiceClient('inventory', calls);
  const shipping = createServiceClient('shipping', calls);
  return {
    /** RESERVED or REJECTED per order that inventory has decided. */
    async stockDecisions(orderIds: string[]): Promise<Map<string, string>> {
      const data = await inventory.request<{ stockDecisions: { orderId: string; outcome: string }[] }>(
        'query ($ids: [ID!]!) { stockDecisions(orderIds: $ids) { orderId outcome } }',
        { ids: orderIds },
      );
      return new Map(data.stockDecisions.map((d) => [d.orderId, d.outcome]));
    },
    /** Asks inventory to announce its decisions on these orders again (same event ids). */
    async resendStockDecisions(orderIds: string[]): Promise<number> {
      const data = await inventory.request<{ resendStockDecisions: number }>(
        'mutation ($ids: [ID!]!) { resendStockDecisions(orderIds: $ids) }',
        { ids: orderIds },
      );
      return data.resendStockDecisions;
    },
    /** The shipment status per order that has a shipment. */
    async shipmentStatuses(orderIds: string[]): Promise<Map<string, string>> {
      const orders = await fetchEntities<{ id: string; shipment: { status: string } | null }>(
        shipping,
        'Order',
        orderIds,
        'shipment { status }',
      );
      const statuses = new Map<string, string>();
      for (const [id, order] of orders) if (order.shipment) statuses.set(id, order.shipment.status);
      return statuses;
    },
  };
}

export type OrderReactionServices = ReturnType<typeof createOrderReactionServices>;
