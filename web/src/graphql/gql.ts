/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query CatalogProducts {\n    products(first: 50) {\n      id\n      name\n      version\n    }\n  }\n": typeof types.CatalogProductsDocument,
    "\n  mutation RenameProduct($id: ID!, $name: String!, $consistency: Consistency!) {\n    renameProduct(id: $id, name: $name, consistency: $consistency) {\n      id\n      name\n      version\n    }\n  }\n": typeof types.RenameProductDocument,
    "\n  query OrderCopy($id: ID!) {\n    order(id: $id) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n": typeof types.OrderCopyDocument,
    "\n  query CopyLag {\n    replicationStatus {\n      id\n      productName {\n        copy\n        lagP50Ms\n        lagP99Ms\n        eventsApplied\n      }\n    }\n  }\n": typeof types.CopyLagDocument,
    "\n  query ProductCopies($after: String) {\n    orders(first: 100, after: $after) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n": typeof types.ProductCopiesDocument,
    "\n  subscription ReplicationStatusUpdated {\n    replicationStatusUpdated {\n      id\n      productName {\n        ...CopyStatusFields\n      }\n      driverName {\n        ...CopyStatusFields\n      }\n    }\n  }\n  fragment CopyStatusFields on CopyStatus {\n    copy\n    windowSeconds\n    eventsApplied\n    lagP50Ms\n    lagP99Ms\n    queueDepth\n    parkedEvents\n    lastReconciliation {\n      startedAt\n      finishedAt\n      checked\n      repaired\n      error\n    }\n  }\n": typeof types.ReplicationStatusUpdatedDocument,
    "\n  mutation ReconcileProductNames {\n    reconcileProductNames {\n      checked\n      repaired\n      error\n    }\n  }\n": typeof types.ReconcileProductNamesDocument,
    "\n  mutation ReconcileDriverNames {\n    reconcileDriverNames {\n      checked\n      repaired\n      error\n    }\n  }\n": typeof types.ReconcileDriverNamesDocument,
    "\n  query OrdersWithCopies {\n    orders(first: 20) {\n      id\n      status\n      createdAt\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n        product {\n          id\n          name\n        }\n      }\n      shipment {\n        status\n      }\n    }\n  }\n": typeof types.OrdersWithCopiesDocument,
    "\n  query ParkedEvents {\n    parkedEvents(first: 20) {\n      queue\n      event\n      subscriber\n      count\n      events {\n        id\n        eventId\n        aggregateId\n        version\n        reason\n        attempts\n        parkedAt\n      }\n    }\n  }\n": typeof types.ParkedEventsDocument,
    "\n  mutation ReplayParkedEvents($queue: String!, $id: ID) {\n    replayParkedEvents(queue: $queue, id: $id) {\n      queue\n      replayed {\n        id\n        eventId\n      }\n    }\n  }\n": typeof types.ReplayParkedEventsDocument,
    "\n  query RidesWithDrivers {\n    rides(first: 10) {\n      id\n      pickup\n      dropoff\n      status\n      requestedAt\n      driverName\n      ... @defer(label: \"driverDetails\") {\n        driver {\n          id\n          rating\n          ratingCount\n          car {\n            make\n            model\n            color\n            plate\n          }\n        }\n      }\n    }\n  }\n": typeof types.RidesWithDriversDocument,
    "\n  query ShopCatalog($first: Int!, $after: String) {\n    products(first: $first, after: $after) {\n      id\n      name\n      price\n      stock\n    }\n  }\n": typeof types.ShopCatalogDocument,
    "\n  subscription ProductStock($id: ID!) {\n    productUpdated(id: $id) {\n      id\n      stock\n    }\n  }\n": typeof types.ProductStockDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n      }\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  subscription OrderUpdated($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      total\n      shipment {\n        id\n        status\n      }\n    }\n  }\n": typeof types.OrderUpdatedDocument,
};
const documents: Documents = {
    "\n  query CatalogProducts {\n    products(first: 50) {\n      id\n      name\n      version\n    }\n  }\n": types.CatalogProductsDocument,
    "\n  mutation RenameProduct($id: ID!, $name: String!, $consistency: Consistency!) {\n    renameProduct(id: $id, name: $name, consistency: $consistency) {\n      id\n      name\n      version\n    }\n  }\n": types.RenameProductDocument,
    "\n  query OrderCopy($id: ID!) {\n    order(id: $id) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n": types.OrderCopyDocument,
    "\n  query CopyLag {\n    replicationStatus {\n      id\n      productName {\n        copy\n        lagP50Ms\n        lagP99Ms\n        eventsApplied\n      }\n    }\n  }\n": types.CopyLagDocument,
    "\n  query ProductCopies($after: String) {\n    orders(first: 100, after: $after) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n": types.ProductCopiesDocument,
    "\n  subscription ReplicationStatusUpdated {\n    replicationStatusUpdated {\n      id\n      productName {\n        ...CopyStatusFields\n      }\n      driverName {\n        ...CopyStatusFields\n      }\n    }\n  }\n  fragment CopyStatusFields on CopyStatus {\n    copy\n    windowSeconds\n    eventsApplied\n    lagP50Ms\n    lagP99Ms\n    queueDepth\n    parkedEvents\n    lastReconciliation {\n      startedAt\n      finishedAt\n      checked\n      repaired\n      error\n    }\n  }\n": types.ReplicationStatusUpdatedDocument,
    "\n  mutation ReconcileProductNames {\n    reconcileProductNames {\n      checked\n      repaired\n      error\n    }\n  }\n": types.ReconcileProductNamesDocument,
    "\n  mutation ReconcileDriverNames {\n    reconcileDriverNames {\n      checked\n      repaired\n      error\n    }\n  }\n": types.ReconcileDriverNamesDocument,
    "\n  query OrdersWithCopies {\n    orders(first: 20) {\n      id\n      status\n      createdAt\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n        product {\n          id\n          name\n        }\n      }\n      shipment {\n        status\n      }\n    }\n  }\n": types.OrdersWithCopiesDocument,
    "\n  query ParkedEvents {\n    parkedEvents(first: 20) {\n      queue\n      event\n      subscriber\n      count\n      events {\n        id\n        eventId\n        aggregateId\n        version\n        reason\n        attempts\n        parkedAt\n      }\n    }\n  }\n": types.ParkedEventsDocument,
    "\n  mutation ReplayParkedEvents($queue: String!, $id: ID) {\n    replayParkedEvents(queue: $queue, id: $id) {\n      queue\n      replayed {\n        id\n        eventId\n      }\n    }\n  }\n": types.ReplayParkedEventsDocument,
    "\n  query RidesWithDrivers {\n    rides(first: 10) {\n      id\n      pickup\n      dropoff\n      status\n      requestedAt\n      driverName\n      ... @defer(label: \"driverDetails\") {\n        driver {\n          id\n          rating\n          ratingCount\n          car {\n            make\n            model\n            color\n            plate\n          }\n        }\n      }\n    }\n  }\n": types.RidesWithDriversDocument,
    "\n  query ShopCatalog($first: Int!, $after: String) {\n    products(first: $first, after: $after) {\n      id\n      name\n      price\n      stock\n    }\n  }\n": types.ShopCatalogDocument,
    "\n  subscription ProductStock($id: ID!) {\n    productUpdated(id: $id) {\n      id\n      stock\n    }\n  }\n": types.ProductStockDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n      }\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  subscription OrderUpdated($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      total\n      shipment {\n        id\n        status\n      }\n    }\n  }\n": types.OrderUpdatedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CatalogProducts {\n    products(first: 50) {\n      id\n      name\n      version\n    }\n  }\n"): (typeof documents)["\n  query CatalogProducts {\n    products(first: 50) {\n      id\n      name\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenameProduct($id: ID!, $name: String!, $consistency: Consistency!) {\n    renameProduct(id: $id, name: $name, consistency: $consistency) {\n      id\n      name\n      version\n    }\n  }\n"): (typeof documents)["\n  mutation RenameProduct($id: ID!, $name: String!, $consistency: Consistency!) {\n    renameProduct(id: $id, name: $name, consistency: $consistency) {\n      id\n      name\n      version\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderCopy($id: ID!) {\n    order(id: $id) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrderCopy($id: ID!) {\n    order(id: $id) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CopyLag {\n    replicationStatus {\n      id\n      productName {\n        copy\n        lagP50Ms\n        lagP99Ms\n        eventsApplied\n      }\n    }\n  }\n"): (typeof documents)["\n  query CopyLag {\n    replicationStatus {\n      id\n      productName {\n        copy\n        lagP50Ms\n        lagP99Ms\n        eventsApplied\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ProductCopies($after: String) {\n    orders(first: 100, after: $after) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ProductCopies($after: String) {\n    orders(first: 100, after: $after) {\n      id\n      items {\n        productName\n        product {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ReplicationStatusUpdated {\n    replicationStatusUpdated {\n      id\n      productName {\n        ...CopyStatusFields\n      }\n      driverName {\n        ...CopyStatusFields\n      }\n    }\n  }\n  fragment CopyStatusFields on CopyStatus {\n    copy\n    windowSeconds\n    eventsApplied\n    lagP50Ms\n    lagP99Ms\n    queueDepth\n    parkedEvents\n    lastReconciliation {\n      startedAt\n      finishedAt\n      checked\n      repaired\n      error\n    }\n  }\n"): (typeof documents)["\n  subscription ReplicationStatusUpdated {\n    replicationStatusUpdated {\n      id\n      productName {\n        ...CopyStatusFields\n      }\n      driverName {\n        ...CopyStatusFields\n      }\n    }\n  }\n  fragment CopyStatusFields on CopyStatus {\n    copy\n    windowSeconds\n    eventsApplied\n    lagP50Ms\n    lagP99Ms\n    queueDepth\n    parkedEvents\n    lastReconciliation {\n      startedAt\n      finishedAt\n      checked\n      repaired\n      error\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReconcileProductNames {\n    reconcileProductNames {\n      checked\n      repaired\n      error\n    }\n  }\n"): (typeof documents)["\n  mutation ReconcileProductNames {\n    reconcileProductNames {\n      checked\n      repaired\n      error\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReconcileDriverNames {\n    reconcileDriverNames {\n      checked\n      repaired\n      error\n    }\n  }\n"): (typeof documents)["\n  mutation ReconcileDriverNames {\n    reconcileDriverNames {\n      checked\n      repaired\n      error\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrdersWithCopies {\n    orders(first: 20) {\n      id\n      status\n      createdAt\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n        product {\n          id\n          name\n        }\n      }\n      shipment {\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrdersWithCopies {\n    orders(first: 20) {\n      id\n      status\n      createdAt\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n        product {\n          id\n          name\n        }\n      }\n      shipment {\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ParkedEvents {\n    parkedEvents(first: 20) {\n      queue\n      event\n      subscriber\n      count\n      events {\n        id\n        eventId\n        aggregateId\n        version\n        reason\n        attempts\n        parkedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query ParkedEvents {\n    parkedEvents(first: 20) {\n      queue\n      event\n      subscriber\n      count\n      events {\n        id\n        eventId\n        aggregateId\n        version\n        reason\n        attempts\n        parkedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReplayParkedEvents($queue: String!, $id: ID) {\n    replayParkedEvents(queue: $queue, id: $id) {\n      queue\n      replayed {\n        id\n        eventId\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ReplayParkedEvents($queue: String!, $id: ID) {\n    replayParkedEvents(queue: $queue, id: $id) {\n      queue\n      replayed {\n        id\n        eventId\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RidesWithDrivers {\n    rides(first: 10) {\n      id\n      pickup\n      dropoff\n      status\n      requestedAt\n      driverName\n      ... @defer(label: \"driverDetails\") {\n        driver {\n          id\n          rating\n          ratingCount\n          car {\n            make\n            model\n            color\n            plate\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RidesWithDrivers {\n    rides(first: 10) {\n      id\n      pickup\n      dropoff\n      status\n      requestedAt\n      driverName\n      ... @defer(label: \"driverDetails\") {\n        driver {\n          id\n          rating\n          ratingCount\n          car {\n            make\n            model\n            color\n            plate\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ShopCatalog($first: Int!, $after: String) {\n    products(first: $first, after: $after) {\n      id\n      name\n      price\n      stock\n    }\n  }\n"): (typeof documents)["\n  query ShopCatalog($first: Int!, $after: String) {\n    products(first: $first, after: $after) {\n      id\n      name\n      price\n      stock\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ProductStock($id: ID!) {\n    productUpdated(id: $id) {\n      id\n      stock\n    }\n  }\n"): (typeof documents)["\n  subscription ProductStock($id: ID!) {\n    productUpdated(id: $id) {\n      id\n      stock\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n      items {\n        productName\n        unitPrice\n        quantity\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OrderUpdated($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      total\n      shipment {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription OrderUpdated($id: ID!) {\n    orderUpdated(id: $id) {\n      id\n      status\n      total\n      shipment {\n        id\n        status\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;