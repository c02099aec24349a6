/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** How a write reaches the copies of the data it changes. */
export type Consistency =
  /**
   * The owner's write and its event: the call returns once the owner committed; copies follow
   * within milliseconds while their services are up, and after they come back otherwise.
   */
  | 'EVENTUAL'
  /**
   * The owner and every copy change together or not at all (two-phase commit through the
   * coordinator): the call returns once all have applied it, and fails, changing nothing, when any
   * participant fails, refuses or does not answer in time.
   */
  | 'STRONG';

export type OrderItemInput = {
  productId: string;
  /** At least 1. */
  quantity: number;
};

export type OrderStatus =
  | 'CANCELLED'
  | 'CONFIRMED'
  | 'PLACED'
  | 'REJECTED'
  | 'SHIPPED';

export type PlaceOrderInput = {
  customerId: string;
  /** At least one item, each product at most once. */
  items: Array<OrderItemInput>;
};

export type RideStatus =
  | 'ACCEPTED'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'REQUESTED';

export type ShipmentStatus =
  | 'CANCELLED'
  | 'DELIVERED'
  | 'PENDING'
  | 'SHIPPED';

export type CatalogProductsQueryVariables = Exact<{ [key: string]: never; }>;


export type CatalogProductsQuery = { __typename: 'Query', products: Array<{ __typename: 'Product', id: string, name: string, version: number }> };

export type RenameProductMutationVariables = Exact<{
  id: string;
  name: string;
  consistency: Consistency;
}>;


export type RenameProductMutation = { __typename: 'Mutation', renameProduct: { __typename: 'Product', id: string, name: string, version: number } };

export type OrderCopyQueryVariables = Exact<{
  id: string;
}>;


export type OrderCopyQuery = { __typename: 'Query', order: { __typename: 'Order', id: string, items: Array<{ __typename: 'OrderItem', productName: string, product: { __typename: 'Product', id: string } | null }> } | null };

export type CopyLagQueryVariables = Exact<{ [key: string]: never; }>;


export type CopyLagQuery = { __typename: 'Query', replicationStatus: { __typename: 'ReplicationStatus', id: string, productName: { __typename: 'CopyStatus', copy: string, lagP50Ms: number | null, lagP99Ms: number | null, eventsApplied: number } | null } };

export type ProductCopiesQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ProductCopiesQuery = { __typename: 'Query', orders: Array<{ __typename: 'Order', id: string, items: Array<{ __typename: 'OrderItem', productName: string, product: { __typename: 'Product', id: string } | null }> }> };

export type ReplicationStatusUpdatedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ReplicationStatusUpdatedSubscription = { replicationStatusUpdated: { __typename: 'ReplicationStatus', id: string, productName: { __typename: 'CopyStatus', copy: string, windowSeconds: number, eventsApplied: number, lagP50Ms: number | null, lagP99Ms: number | null, queueDepth: number, parkedEvents: number, lastReconciliation: { __typename: 'ReconciliationRun', startedAt: string, finishedAt: string | null, checked: number, repaired: number, error: string | null } | null } | null, driverName: { __typename: 'CopyStatus', copy: string, windowSeconds: number, eventsApplied: number, lagP50Ms: number | null, lagP99Ms: number | null, queueDepth: number, parkedEvents: number, lastReconciliation: { __typename: 'ReconciliationRun', startedAt: string, finishedAt: string | null, checked: number, repaired: number, error: string | null } | null } | null } };

export type CopyStatusFieldsFragment = { __typename: 'CopyStatus', copy: string, windowSeconds: number, eventsApplied: number, lagP50Ms: number | null, lagP99Ms: number | null, queueDepth: number, parkedEvents: number, lastReconciliation: { __typename: 'ReconciliationRun', startedAt: string, finishedAt: string | null, checked: number, repaired: number, error: string | null } | null };

export type ReconcileProductNamesMutationVariables = Exact<{ [key: string]: never; }>;


export type ReconcileProductNamesMutation = { __typename: 'Mutation', reconcileProductNames: { __typename: 'ReconciliationRun', checked: number, repaired: number, error: string | null } };

export type ReconcileDriverNamesMutationVariables = Exact<{ [key: string]: never; }>;


export type ReconcileDriverNamesMutation = { __typename: 'Mutation', reconcileDriverNames: { __typename: 'ReconciliationRun', checked: number, repaired: number, error: string | null } };

export type OrdersWithCopiesQueryVariables = Exact<{ [key: string]: never; }>;


export type OrdersWithCopiesQuery = { __typename: 'Query', orders: Array<{ __typename: 'Order', id: string, status: OrderStatus, createdAt: string, total: number, items: Array<{ __typename: 'OrderItem', productName: string, unitPrice: number, quantity: number, product: { __typename: 'Product', id: string, name: string } | null }>, shipment: { __typename: 'Shipment', status: ShipmentStatus } | null }> };

export type ParkedEventsQueryVariables = Exact<{ [key: string]: never; }>;


export type ParkedEventsQuery = { __typename: 'Query', parkedEvents: Array<{ __typename: 'ParkedQueue', queue: string, event: string, subscriber: string, count: number, events: Array<{ __typename: 'ParkedEvent', id: string, eventId: string | null, aggregateId: string | null, version: number | null, reason: string, attempts: number, parkedAt: string }> }> };

export type ReplayParkedEventsMutationVariables = Exact<{
  queue: string;
  id?: string | null | undefined;
}>;


export type ReplayParkedEventsMutation = { __typename: 'Mutation', replayParkedEvents: { __typename: 'ReplayResult', queue: string, replayed: Array<{ __typename: 'ParkedEvent', id: string, eventId: string | null }> } };

export type RidesWithDriversQueryVariables = Exact<{ [key: string]: never; }>;


export type RidesWithDriversQuery = { __typename: 'Query', rides: Array<{ __typename: 'Ride', id: string, pickup: string, dropoff: string, status: RideStatus, requestedAt: string, driverName: string } & ({ __typename: 'Ride' } | { __typename: 'Ride' }) & ({ driver: { __typename: 'Driver', id: string, rating: number, ratingCount: number, car: { __typename: 'Car', make: string, model: string, color: string, plate: string } } | null } | { driver?: never })> };

export type ShopCatalogQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type ShopCatalogQuery = { __typename: 'Query', products: Array<{ __typename: 'Product', id: string, name: string, price: number, stock: number | null }> };

export type ProductStockSubscriptionVariables = Exact<{
  id: string;
}>;


export type ProductStockSubscription = { productUpdated: { __typename: 'Product', id: string, stock: number | null } | null };

export type PlaceOrderMutationVariables = Exact<{
  input: PlaceOrderInput;
}>;


export type PlaceOrderMutation = { __typename: 'Mutation', placeOrder: { __typename: 'Order', id: string, status: OrderStatus, total: number, items: Array<{ __typename: 'OrderItem', productName: string, unitPrice: number, quantity: number }> } };

export type OrderUpdatedSubscriptionVariables = Exact<{
  id: string;
}>;


export type OrderUpdatedSubscription = { orderUpdated: { __typename: 'Order', id: string, status: OrderStatus, total: number, shipment: { __typename: 'Shipment', id: string, status: ShipmentStatus } | null } | null };

export const CopyStatusFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CopyStatusFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CopyStatus"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"copy"}},{"kind":"Field","name":{"kind":"Name","value":"windowSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"eventsApplied"}},{"kind":"Field","name":{"kind":"Name","value":"lagP50Ms"}},{"kind":"Field","name":{"kind":"Name","value":"lagP99Ms"}},{"kind":"Field","name":{"kind":"Name","value":"queueDepth"}},{"kind":"Field","name":{"kind":"Name","value":"parkedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"lastReconciliation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checked"}},{"kind":"Field","name":{"kind":"Name","value":"repaired"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]} as unknown as DocumentNode<CopyStatusFieldsFragment, unknown>;
export const CatalogProductsDocument = {"__meta__":{"hash":"sha256:a1449591f0b5b18a21135f1172c0d5d47107df845a938710a987882b2e07aa52"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CatalogProducts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"products"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"50"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]} as unknown as DocumentNode<CatalogProductsQuery, CatalogProductsQueryVariables>;
export const RenameProductDocument = {"__meta__":{"hash":"sha256:3798c1c1b825c616478f909116942442fc8c5de364f1e333a7d84a844b08fbc3"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RenameProduct"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"consistency"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Consistency"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"renameProduct"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"consistency"},"value":{"kind":"Variable","name":{"kind":"Name","value":"consistency"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]} as unknown as DocumentNode<RenameProductMutation, RenameProductMutationVariables>;
export const OrderCopyDocument = {"__meta__":{"hash":"sha256:7d3917bb33f72d8239a57564043f5997808cec0fe414b5973d8165c474a349e0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OrderCopy"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"order"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"productName"}},{"kind":"Field","name":{"kind":"Name","value":"product"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]}}]} as unknown as DocumentNode<OrderCopyQuery, OrderCopyQueryVariables>;
export const CopyLagDocument = {"__meta__":{"hash":"sha256:d7ea108778486138f416a1b0b869856a4e1093de8199ee68feb47d57a50c6bad"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CopyLag"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"replicationStatus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"productName"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"copy"}},{"kind":"Field","name":{"kind":"Name","value":"lagP50Ms"}},{"kind":"Field","name":{"kind":"Name","value":"lagP99Ms"}},{"kind":"Field","name":{"kind":"Name","value":"eventsApplied"}}]}}]}}]}}]} as unknown as DocumentNode<CopyLagQuery, CopyLagQueryVariables>;
export const ProductCopiesDocument = {"__meta__":{"hash":"sha256:90991ddb5f7f9b5aac7b7106dbd3592a916b65b762f398028f4e7f70744e699b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ProductCopies"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"orders"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"productName"}},{"kind":"Field","name":{"kind":"Name","value":"product"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ProductCopiesQuery, ProductCopiesQueryVariables>;
export const ReplicationStatusUpdatedDocument = {"__meta__":{"hash":"sha256:63330302812280561642d014ec8a261790315916289ee948a4b96acefd99c730"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ReplicationStatusUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replicationStatusUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"productName"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CopyStatusFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"driverName"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CopyStatusFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CopyStatusFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CopyStatus"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"copy"}},{"kind":"Field","name":{"kind":"Name","value":"windowSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"eventsApplied"}},{"kind":"Field","name":{"kind":"Name","value":"lagP50Ms"}},{"kind":"Field","name":{"kind":"Name","value":"lagP99Ms"}},{"kind":"Field","name":{"kind":"Name","value":"queueDepth"}},{"kind":"Field","name":{"kind":"Name","value":"parkedEvents"}},{"kind":"Field","name":{"kind":"Name","value":"lastReconciliation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checked"}},{"kind":"Field","name":{"kind":"Name","value":"repaired"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]} as unknown as DocumentNode<ReplicationStatusUpdatedSubscription, ReplicationStatusUpdatedSubscriptionVariables>;
export const ReconcileProductNamesDocument = {"__meta__":{"hash":"sha256:97eb9b99d6ca1d4f2dc55a75e69e6473e356ba3866c614a4714266b50f45d5ab"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReconcileProductNames"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"reconcileProductNames"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"checked"}},{"kind":"Field","name":{"kind":"Name","value":"repaired"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]} as unknown as DocumentNode<ReconcileProductNamesMutation, ReconcileProductNamesMutationVariables>;
export const ReconcileDriverNamesDocument = {"__meta__":{"hash":"sha256:390e82aeda2ed45081f6f92205d026969d903bcd35d2813380ef9b67d49dffd4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReconcileDriverNames"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"reconcileDriverNames"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"checked"}},{"kind":"Field","name":{"kind":"Name","value":"repaired"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]} as unknown as DocumentNode<ReconcileDriverNamesMutation, ReconcileDriverNamesMutationVariables>;
export const OrdersWithCopiesDocument = {"__meta__":{"hash":"sha256:0005514e9a98f8262279da7ce3a89830132da421d82d375155f5fd13f9fe7bff"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OrdersWithCopies"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"orders"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"productName"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"product"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"shipment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]} as unknown as DocumentNode<OrdersWithCopiesQuery, OrdersWithCopiesQueryVariables>;
export const ParkedEventsDocument = {"__meta__":{"hash":"sha256:79022db36aee01d43cb3fe207f271cb6d1748731d04d14020fc7ab7411e2f7d6"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ParkedEvents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"parkedEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"queue"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"subscriber"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"events"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"aggregateId"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"parkedAt"}}]}}]}}]}}]} as unknown as DocumentNode<ParkedEventsQuery, ParkedEventsQueryVariables>;
export const ReplayParkedEventsDocument = {"__meta__":{"hash":"sha256:0dcdb6d1c5f27ab203eeeb96cfd09f57ab00ea022022e497913e0714603f34ff"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReplayParkedEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"queue"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"replayParkedEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"queue"},"value":{"kind":"Variable","name":{"kind":"Name","value":"queue"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"queue"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"eventId"}}]}}]}}]}}]} as unknown as DocumentNode<ReplayParkedEventsMutation, ReplayParkedEventsMutationVariables>;
export const RidesWithDriversDocument = {"__meta__":{"hash":"sha256:bb813781eeb6c1d587fe4e4f9a3578d6867ee0ed5a3b570e95922ddd1ad440aa"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RidesWithDrivers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"rides"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"pickup"}},{"kind":"Field","name":{"kind":"Name","value":"dropoff"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"requestedAt"}},{"kind":"Field","name":{"kind":"Name","value":"driverName"}},{"kind":"InlineFragment","directives":[{"kind":"Directive","name":{"kind":"Name","value":"defer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"label"},"value":{"kind":"StringValue","value":"driverDetails","block":false}}]}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"driver"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"rating"}},{"kind":"Field","name":{"kind":"Name","value":"ratingCount"}},{"kind":"Field","name":{"kind":"Name","value":"car"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"make"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"color"}},{"kind":"Field","name":{"kind":"Name","value":"plate"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<RidesWithDriversQuery, RidesWithDriversQueryVariables>;
export const ShopCatalogDocument = {"__meta__":{"hash":"sha256:90dd1228d083f7566e0ed70beebb1fefb4601f1cbbe42503ddd46e315d58edf1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ShopCatalog"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"products"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"price"}},{"kind":"Field","name":{"kind":"Name","value":"stock"}}]}}]}}]} as unknown as DocumentNode<ShopCatalogQuery, ShopCatalogQueryVariables>;
export const ProductStockDocument = {"__meta__":{"hash":"sha256:3db8b970cbab62b6cd53d18949a6f27e24475f1e125419cede35e7b2858adc8a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ProductStock"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"productUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stock"}}]}}]}}]} as unknown as DocumentNode<ProductStockSubscription, ProductStockSubscriptionVariables>;
export const PlaceOrderDocument = {"__meta__":{"hash":"sha256:e356d7ae6af3d806880c1a60ababfe3e1e8e7670b1fca8163cb6e51fb740d72d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PlaceOrder"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PlaceOrderInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"placeOrder"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"productName"}},{"kind":"Field","name":{"kind":"Name","value":"unitPrice"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}}]}}]}}]}}]} as unknown as DocumentNode<PlaceOrderMutation, PlaceOrderMutationVariables>;
export const OrderUpdatedDocument = {"__meta__":{"hash":"sha256:dbdc78cc9e81ee12b91a695403ddf24127e5afdf078b5479ec560bb7fb42634e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"OrderUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"orderUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"shipment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]} as unknown as DocumentNode<OrderUpdatedSubscription, OrderUpdatedSubscriptionVariables>;