import { createServiceClient, serviceCredential } from '@msd/service-kit';

export type ParticipantName = 'product' | 'order';

/** What a participant needs to know about a transaction. */
export interface RenameIntent {
  id: string;
  productId: string;
  name: string;
}

/** One participant of a STRONG rename, through its internal API (service credential, timeout). */
export interface Participant {
  name: ParticipantName;
  prepare(rename: RenameIntent): Promise<void>;
  /** Applies the rename; the product returns the version it committed, the order needs it. */
  commit(rename: RenameIntent, version: number | null): Promise<number>;
  abort(rename: RenameIntent): Promise<void>;
}

export interface ParticipantOptions {
  productUrl?: string | undefined;
  orderUrl?: string | undefined;
  /** Each call to a participant fails after this long without an answer. */
  timeoutMs: number;
}

/**
 * The participants of a rename, in commit order: the product service first (it owns the name and
 * assigns the version), then the order service's copies at that version.
 */
export function renameParticipants(options: ParticipantOptions): [Participant, Participant] {
  const product = createServiceClient('product', {
    credential: serviceCredential('coordinator', 'product'),
    ...(options.productUrl ? { url: options.productUrl } : {}),
    timeoutMs: options.timeoutMs,
  });
  const order = createServiceClient('order', {
    credential: serviceCredential('coordinator', 'order'),
    ...(options.orderUrl ? { url: options.orderUrl } : {}),
    timeoutMs: options.timeoutMs,
  });
  return [
    {
      name: 'product',
      async prepare({ id, productId, name }) {
        await product.request(
          'mutation ($id: ID!, $productId: ID!, $name: String!) { prepareRename(transactionId: $id, productId: $productId, name: $name) }',
          { id, productId, name },
        );
      },
      async commit({ id }) {
        const data = await product.request<{ commitRename: number }>(
          'mutation ($id: ID!) { commitRename(transactionId: $id) }',
          { id },
        );
        return data.commitRename;
      },
      async abort({ id, productId }) {
        await product.request(
          'mutation ($id: ID!, $productId: ID!) { abortRename(transactionId: $id, productId: $productId) }',
          { id, productId },
        );
      },
    },
    {
      name: 'order',
      async prepare({ id, productId, name }) {
        await order.request(
          'mutation ($id: ID!, $productId: ID!, $name: String!) { prepareCopyRename(transactionId: $id, productId: $productId, name: $name) }',
          { id, productId, name },
        );
      },
      async commit({ id }, version) {
        if (version === null) throw new Error('The order copies commit at the version the product committed');
        const data = await order.request<{ commitCopyRename: number }>(
          'mutation ($id: ID!, $version: Int!) { commitCopyRename(transactionId: $id, version: $version) }',
          { id, version },
        );
        return data.commitCopyRename;
      },
      async abort({ id, productId }) {
        await order.request(
          'mutation ($id: ID!, $productId: ID!) { abortCopyRename(transactionId: $id, productId: $productId) }',
          { id, productId },
        );
      },
    },
  ];
}
